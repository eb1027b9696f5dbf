/**
 * The Nix binary-tarball layout (as in Nix's release tarballs
 * nix-<version>-<system>.tar.xz), for any closure:
 *
 *   nix-<version>-<system>/
 *     .reginfo          the closure's registration (`nix-store --load-db` input,
 *                       every path under /nix/store)
 *     install           a POSIX sh script: copies store/* into <root>/nix/store and
 *                       registers them with `nix-store --load-db < .reginfo`
 *     store/<basename>  every store path of the closure, as it is on the host
 *
 * <version> is the build's label (the toplevel's nixos-version, --label or the
 * spec name). Unlike Nix's own installer, `install` does not set up profiles or
 * channels: it only puts the closure into a store, which need not contain Nix.
 */
import path from 'node:path';
import type { ClosureInfo } from '../content/closure.ts';
import type { TarSourceEntry } from './tar.ts';
import { FileTree, fromUtf8 } from '../content/tree.ts';
import { fileTreeTarEntries } from './tar-sources.ts';

/** The top directory's name, e.g. "nix-23.11.20240101.abcdef-aarch64-linux". */
export function nixTarballTopDir(version: string, system: string): string {
  return `nix-${version}-${system}`;
}

/**
 * The install script. `./install` installs into /nix/store (the store Nix uses
 * by default, run as its owner); `./install ROOT` into ROOT/nix/store with the
 * database under ROOT/nix/var/nix (`nix-store --store local?root=ROOT`), no
 * daemon needed. NIX_STORE_CMD overrides the nix-store command.
 */
export const INSTALL_SCRIPT = `#!/bin/sh
# Installs the store paths of this tarball into a Nix store and registers them.
# Usage: ./install [ROOT]   (ROOT/nix/store; default: /nix/store)
# Needs nix-store in PATH (or NIX_STORE_CMD=/path/to/nix-store).
set -eu
umask 0022
self=$(cd "$(dirname "$0")" && pwd)
root=\${1:-}
case $root in /* | "") ;; *) root="$(pwd)/$root" ;; esac
nix_store=\${NIX_STORE_CMD:-nix-store}
dest="$root/nix/store"
if [ ! -f "$self/.reginfo" ]; then
    echo "$0: incomplete tarball: .reginfo is missing" >&2
    exit 1
fi
mkdir -p "$dest" "$root/nix/var/nix"
for p in "$self"/store/*; do
    [ -e "$p" ] || [ -L "$p" ] || continue
    name=$(basename "$p")
    [ -e "$dest/$name" ] && continue
    tmp="$dest/$name.tmp.$$"
    rm -rf "$tmp"
    cp -RPp "$p" "$tmp"
    mv "$tmp" "$dest/$name"
done
if [ -n "$root" ]; then
    "$nix_store" --store "local?root=$root" --load-db < "$self/.reginfo"
else
    "$nix_store" --load-db < "$self/.reginfo"
fi
echo "$0: installed $(ls "$self/store" | wc -l) store paths into $dest" >&2
`;

/**
 * The tarball's entries (paths relative to the archive root, which is left out),
 * sorted: the top directory, .reginfo, install, store/, then every store path by
 * basename bytes, read from the host as the image's tree is (names as bytes, symlinks
 * and hard links kept).
 */
export function nixTarballEntries(closure: ClosureInfo, topDir: string): AsyncGenerator<TarSourceEntry> {
  const top = `/${fromUtf8(topDir)}`;
  const tree = new FileTree();
  tree.ensureDir(`${top}/store`);
  tree.add(`${top}/.reginfo`, { kind: 'data', mode: 0o444, data: closure.registration });
  tree.add(`${top}/install`, { kind: 'data', mode: 0o555, data: Buffer.from(INSTALL_SCRIPT) });
  for (const p of closure.storePaths) tree.addHost(`${top}/store/${fromUtf8(path.posix.basename(p))}`, fromUtf8(closure.hostPath(p)));
  return fileTreeTarEntries(tree);
}
