//! Unit tests of the package checks' helpers: build-machine and packaging paths, and
//! md5sums lines.

use super::control_files::parse_md5_line;
use super::declared::hex;
use super::entries::{from_build_machine, in_tmp, is_packaging};

#[test]
fn build_machine_paths() {
    for leaked in [
        "home/builder/.pyenv/versions/3.7.3/lib/python3.7/site-packages/x.py",
        "root/.local/bin/tool",
        "usr/local/lib/python3.7/site-packages/hello/__init__.py",
        "opt/app/.venv/lib/python3.11/x.py",
        "opt/app/env/pyvenv.cfg",
    ] {
        assert!(from_build_machine(leaked), "{leaked}");
    }
    for fine in [
        "usr/lib/python3/dist-packages/hello/__init__.py",
        "usr/share/big/python3.11/venv/__init__.py",
        "usr/share/doc/homer/README",
        "etc/asterisk/extensions_extra.d/hello.conf",
        "tmp/build/out.txt",
    ] {
        assert!(!from_build_machine(fine), "{fine}");
    }
    assert!(in_tmp("tmp/build/out.txt") && !in_tmp("usr/tmp/x"));
}

#[test]
fn packaging_folders() {
    assert!(is_packaging(""));
    assert!(is_packaging("usr"));
    assert!(is_packaging(
        "usr/lib/wazo-plugind/plugins/demo/hello/wazo/rules"
    ));
    assert!(is_packaging(
        "usr/share/doc/wazo-plugind-hello-demo/copyright"
    ));
    assert!(!is_packaging("usr/share/hello"));
    assert!(!is_packaging("usr/lib/wazo-plugind-other"));
    assert!(!is_packaging("etc"));
}

#[test]
fn md5sums_lines() {
    let (d, p) = parse_md5_line("d41d8cd98f00b204e9800998ecf8427e  usr/x").unwrap();
    assert_eq!(
        (hex(&d).as_str(), p),
        ("d41d8cd98f00b204e9800998ecf8427e", "usr/x")
    );
    assert!(parse_md5_line("D41D8CD98F00B204E9800998ECF8427E  usr/x").is_none());
    assert!(parse_md5_line("d41d8cd98f00b204e9800998ecf8427e usr/x").is_none());
    assert!(parse_md5_line("d41d8cd98f00b204e9800998ecf8427e  ").is_none());
    assert!(parse_md5_line("é1d8cd98f00b204e9800998ecf8427e  usr/x").is_none());
}
