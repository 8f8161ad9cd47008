# Installing into another prefix, and a plugin built out of tree against the
# installed copy.
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# The sources as distributed (`make distdir`, so the tree the rest of the
# suite uses is never reconfigured) go through the README's quick start
# (configure with the default prefix, make), then `./configure --prefix=TMP
# && make && make install` in the same tree: everything that embeds the
# install directories must be rebuilt and relinked. Then plugins/whoami is
# built out of tree with its Makefile.example against the installed
# pkg-config file, installed into the installed plugin directory, and the
# installed sluiced (with no plugin_path) loads it and answers kdig.
#
# It builds Sluice twice (about a minute on two cores), so it runs once per
# CI run: by default in an in-tree build (the README's `make check`), not in
# out-of-tree ones (the sanitizer build, distcheck). SLUICE_TEST_INSTALL=1
# forces it, =0 skips it.

import os
import subprocess

import pytest

from conftest import BUILDDIR, SRCDIR, Sluiced, free_port, kdig_status, write_config, HAVE_IPV6

def _wanted():
    flag = os.environ.get("SLUICE_TEST_INSTALL")
    if flag is not None:
        return flag == "1"
    return os.path.realpath(BUILDDIR) == os.path.realpath(SRCDIR)


pytestmark = pytest.mark.skipif(
    not _wanted(),
    reason="builds Sluice twice: runs in the in-tree build or with SLUICE_TEST_INSTALL=1")

# The out-of-tree plugin's name: not "whoami", which `make install` put there.
OOT = "ootwhoami"


def _env(**extra):
    """The environment without the outer make's (its jobserver is not ours)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "DESTDIR")}
    env.update(extra)
    return env


def sh(args, cwd, timeout=900, **env):
    p = subprocess.run([str(a) for a in args], cwd=str(cwd), env=_env(**env),
                       capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        pytest.fail("%s (in %s) failed with %d:\n%s\n%s" % (
            " ".join(str(a) for a in args), cwd, p.returncode, p.stdout[-4000:],
            p.stderr[-4000:]))
    return p.stdout + p.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Builds, reconfigures with another prefix, installs; returns (src, prefix)."""
    tmp = tmp_path_factory.mktemp("install")
    src, prefix = tmp / "src", tmp / "prefix"
    jobs = "-j%d" % (os.cpu_count() or 2)
    sh(["make", "-s", "distdir", "distdir=%s" % src, "top_distdir=%s" % src], BUILDDIR)
    sh(["./configure", "--quiet"], src)
    sh(["make", "-s", jobs], src)
    sh(["./configure", "--quiet", "--prefix=%s" % prefix], src)
    sh(["make", "-s", jobs], src)
    sh(["make", "-s", "install"], src)
    return src, prefix


def test_installed_paths(installed):
    src, prefix = installed
    sluiced = prefix / "sbin" / "sluiced"
    # The compiled-in defaults follow the new prefix.
    help_text = sh([sluiced, "--help"], src)
    assert "(default %s/etc/sluice/sluiced.json)" % prefix in help_text
    for f in ("include/sluice/plugin.h", "lib/pkgconfig/sluice.pc",
              "lib/pkgconfig/sluice-wire.pc", "lib/sluice/whoami.so",
              "lib/sluice/zonefile.so"):
        assert (prefix / f).is_file(), f
    pc = _env(PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
    def pkg_config(*args):
        return subprocess.run(["pkg-config"] + list(args) + ["sluice"], env=pc,
                              capture_output=True, text=True, check=True).stdout.split()
    assert pkg_config("--variable=plugindir") == ["%s/lib/sluice" % prefix]
    # Plugins link only the wire library; sluiced provides the rest at load.
    assert pkg_config("--libs") == ["-L%s/lib" % prefix, "-lsluice-wire"]
    assert pkg_config("--cflags") == ["-I%s/include" % prefix]
    # The installed sluiced finds the installed wire library, not the build tree's.
    ldd = subprocess.run(["ldd", str(sluiced)], capture_output=True, text=True).stdout
    assert "%s/lib/libsluice-wire.so" % prefix in ldd, ldd
    # The key tool is installed with sluiced and runs from there.
    tool = prefix / "bin" / "sluice-keys"
    assert "sluice-keys sig0 <name>" in sh([tool, "--help"], src)
    ldd = subprocess.run(["ldd", str(tool)], capture_output=True, text=True).stdout
    assert "%s/lib/libsluice-wire.so" % prefix in ldd, ldd


def test_out_of_tree_plugin(installed, tmp_path):
    src, prefix = installed
    oot = tmp_path / OOT
    oot.mkdir()
    # As the plugin guide says: copy whoami.c and Makefile.example, rename.
    code = (src / "plugins" / "whoami" / "whoami.c").read_text()
    assert '.name = "whoami"' in code
    (oot / (OOT + ".c")).write_text(code.replace('.name = "whoami"', '.name = "%s"' % OOT))
    (oot / "Makefile.example").write_text(
        (src / "plugins" / "whoami" / "Makefile.example").read_text())
    pc_path = "PKG_CONFIG_PATH=%s" % (prefix / "lib" / "pkgconfig")
    sh(["make", "-f", "Makefile.example", "PLUGIN=" + OOT, pc_path, "install"], oot)
    assert (prefix / "lib" / "sluice" / (OOT + ".so")).is_file()

    # No plugin_path: both plugins come from the installed plugin directory.
    port = free_port()
    listen = ["127.0.0.1:%d" % port] + (["[::1]:%d" % port] if HAVE_IPV6 else [])
    cfg = {"server": {"listen": listen, "workers": 1, "log_level": "info"},
           "plugins": [{"plugin": OOT, "name": "whoami.test."}],
           "zones": [{"name": "who.zone.", "plugins": [{"plugin": "whoami"}]}]}
    # Written where the installed sluiced looks by default.
    etc = prefix / "etc" / "sluice"
    etc.mkdir(parents=True, exist_ok=True)
    write_config(etc / "sluiced.json", cfg)
    out = sh([prefix / "sbin" / "sluiced", "--check"], tmp_path)
    assert "%s: configuration OK" % (etc / "sluiced.json") in out, out

    srv = Sluiced(tmp_path, cfg, port, binary=str(prefix / "sbin" / "sluiced")).start()
    try:
        for args in (["whoami.test.", "A"], ["+tcp", "who.zone.", "A"]):
            r = srv.kdig(*args)
            assert kdig_status(r.stdout) == "NOERROR", r.stdout + r.stderr
            r = srv.kdig("+short", *args)
            assert r.stdout.split() == ["127.0.0.1"], r.stdout + r.stderr
    finally:
        rc = srv.stop()
    log = srv.stderr()
    assert rc == 0, log
    assert "%s: answering whoami.test." % OOT in log, log
    assert "stats %s answers=" % OOT in log, log
