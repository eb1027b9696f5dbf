{
  "targets": [
    {
      "target_name": "imgsmith_native",
      "sources": ["native/sparse.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
