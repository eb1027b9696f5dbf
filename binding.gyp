{
  "targets": [
    {
      "target_name": "imgsmith_native",
      "sources": ["native/sparse.c", "native/zstd_chunk.c", "native/scandir.c"],
      "libraries": ["-ldl"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "imgsmith_mkfs_shim",
      "type": "shared_library",
      "product_extension": "so",
      "sources": ["native/mkfs_shim.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2", "-fPIC"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
