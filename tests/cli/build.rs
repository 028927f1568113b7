//! `pluginctl build`: the package's fields, contents, scripts and behaviour under real dpkg.

use crate::support::*;
use std::path::Path;

fn helloworld() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/helloworld"))
}

#[test]
fn helloworld_builds_installs_and_lints_clean() {
    let out = tempfile::tempdir().unwrap();
    let o = run(pluginctl()
        .arg("build")
        .arg(helloworld())
        .arg("-o")
        .arg(out.path())
        .env("SOURCE_DATE_EPOCH", "1700000000"));
    assert!(o.status.success(), "{}", stderr(&o));
    let deb = out
        .path()
        .join("wazo-plugind-helloworld-demo_0.0.1_all.deb");
    assert_eq!(stdout(&o).trim(), deb.display().to_string());
    let control = dpkg_deb(&deb, &["--field"]);
    assert_eq!(
        control,
        "Package: wazo-plugind-helloworld-demo
Version: 0.0.1
Architecture: all
Maintainer: Wazo Maintainers <dev+pkg@wazo.community>
Installed-Size: 23
Section: wazo-plugind-plugin
Priority: optional
Homepage: https://wazo-platform.org
Description: Hello World
 Adds the extension ***42, which plays \"Hello World\".
 .
 The example plugin of the Wazo plugin documentation: it ships one dialplan
 file and reloads the dialplan when it is installed or removed.
 .
 Wazo plugin demo/helloworld, packaged for wazo-plugind.
"
    );
    let root = DpkgRoot::new();
    root.install(&deb);
    let conf = std::fs::read_to_string(
        root.path()
            .join("etc/asterisk/extensions_extra.d/helloworld.conf"),
    )
    .unwrap();
    assert!(conf.contains("exten = ***42,1,Playback(hello-world)"));
    assert!(root.has("usr/lib/wazo-plugind/plugins/demo/helloworld/wazo/plugin.yml"));
    root.remove("wazo-plugind-helloworld-demo");
    assert!(!root.has("etc/asterisk/extensions_extra.d/helloworld.conf"));
    root.purge("wazo-plugind-helloworld-demo");
    let tags = lintian_no_errors(&deb);
    assert!(
        !tags
            .iter()
            .any(|t| t.contains("no-copyright-file") || t.contains("no-changelog")),
        "{tags:?}"
    );
}
