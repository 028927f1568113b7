//! `market` and the values it does not own: credentials in a git URL never reach an entry or
//! a message, and `--into` gives back every foreign value of the document byte for byte.

use crate::support::*;
use std::path::Path;
use std::process::Output;

const MANIFEST: &str = "name: hello
namespace: acme
version: \"1.9.0\"
display_name: Hello
author: Acme
homepage: https://acme.example/hello
description: Says hello.
";

fn market(dir: &Path, args: &[&str]) -> Output {
    run(pluginctl().arg("market").arg(dir).args(args))
}

/// A market document in pluginctl's own layout whose foreign items hold values a
/// `serde_json::Value` round trip would rewrite.
const FOREIGN: &str = r#"{
  "items": [
    {
      "name": "big",
      "namespace": "other",
      "downloads": 12345678901234567890123,
      "ratio": 1.0,
      "size": 1e3,
      "tiny": -0.0,
      "exp": 2.5E-7,
      "title": "caf\u00e9 \ud83d\ude00 \"q\" \/",
      "versions": []
    },
    {
      "name": "hello",
      "namespace": "acme",
      "stars": 99999999999999999999,
      "note": "\u00e9t\u00e9",
      "versions": [
        {
          "version": "1.0",
          "method": "git",
          "options": {
            "url": "u",
            "ref": "1.0"
          },
          "weight": 1e3
        }
      ]
    }
  ],
  "total": 12345678901234567890123
}
"#;

#[test]
fn market_into_keeps_foreign_values_byte_for_byte() {
    let p = Plugin::new(MANIFEST);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("market.json");
    write(&file, FOREIGN);
    let o = market(
        p.path(),
        &[
            "--url",
            "https://git.example/h.git",
            "--into",
            file.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&file).unwrap();
    // The foreign item, and the top-level value, as they were.
    let foreign_item = &FOREIGN[FOREIGN.find("    {\n      \"name\": \"big\"").unwrap()
        ..FOREIGN.find("    {\n      \"name\": \"hello\"").unwrap()];
    assert!(text.contains(foreign_item), "{text}");
    assert!(
        text.ends_with("  \"total\": 12345678901234567890123\n}\n"),
        "{text}"
    );
    // Foreign values inside the plugin's own item, and its older version, too.
    for kept in [
        "      \"stars\": 99999999999999999999,\n",
        "      \"note\": \"\\u00e9t\\u00e9\",\n",
        "          \"weight\": 1e3\n",
    ] {
        assert!(text.contains(kept), "{kept}: {text}");
    }
    // The whole document: only the new version and the fields plugin.yml owns changed.
    let want = FOREIGN.replace(
        "      \"note\": \"\\u00e9t\\u00e9\",\n      \"versions\": [\n",
        "      \"note\": \"\\u00e9t\\u00e9\",\n      \"display_name\": \"Hello\",\n      \"author\": \"Acme\",\n      \"homepage\": \"https://acme.example/hello\",\n      \"description\": \"Says hello.\",\n      \"versions\": [\n        {\n          \"version\": \"1.9.0\",\n          \"method\": \"git\",\n          \"options\": {\n            \"url\": \"https://git.example/h.git\",\n            \"ref\": \"1.9.0\"\n          }\n        },\n",
    );
    assert_eq!(text, want);
    // Run again with nothing new: the file does not change at all.
    let o = market(
        p.path(),
        &[
            "--url",
            "https://git.example/h.git",
            "--into",
            file.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), want);
}
