# package-lock.json as Nix's fetchers need it: npm leaves out "resolved" (the tarball URL)
# of registry packages when `omit-lockfile-registry-resolved` is set, as it was when this
# repository's lock file was written; each such entry gets its registry.npmjs.org tarball
# URL back (https://registry.npmjs.org/<name>/-/<name without scope>-<version>.tgz), so
# importNpmLock fetches every package with fetchurl, checked against the lock file's
# "integrity". No nixpkgs needed (test/nix.test.ts checks the URLs against npm's cache).
lock:
let
  registry = "https://registry.npmjs.org";
  # "node_modules/a/node_modules/@s/b" -> "@s/b" (or the alias target's "name").
  nameOf =
    key: entry:
    entry.name or (
      let
        parts = builtins.split "node_modules/" key;
      in
      builtins.elemAt parts (builtins.length parts - 1)
    );
  unscoped =
    name:
    let
      m = builtins.match "@[^/]+/(.+)" name;
    in
    if m == null then name else builtins.head m;
  fill =
    key: entry:
    if key == "" || entry ? resolved || (entry.link or false) then
      entry
    else
      entry // { resolved = "${registry}/${nameOf key entry}/-/${unscoped (nameOf key entry)}-${entry.version}.tgz"; };
in
lock // { packages = builtins.mapAttrs fill lock.packages; }
