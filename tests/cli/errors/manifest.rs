//! Bad manifests: each refused at its place with status 3, before any rules step runs.

use super::*;

bad_manifests! {
    manifest_empty: "" => "1:1: empty; a plugin needs at least name, namespace and version";
    manifest_only_comments: "# nothing here\n\n" => "1:1: empty; a plugin needs at least name, namespace and version";
    manifest_is_a_list: "- name: hello\n" => "1:1: the file must be a YAML mapping (key: value lines), not a list";
    manifest_is_a_scalar: "hello world\n" => "1:1: the file must be a YAML mapping (key: value lines), not a scalar";
    yaml_unclosed_flow_list: with("tags: [a, b\n") => "5:1: YAML syntax: while parsing a flow sequence, expected ',' or ']'";
    yaml_quote_spanning_lines: "name: \"hello\nnamespace: demo\n" => "1:7: YAML syntax: invalid indentation in quoted scalar";
    yaml_unclosed_quote: with("description: \"Hello") => "4:14: YAML syntax: while scanning a quoted scalar, found unexpected end of stream";
    yaml_bad_indentation: "name: hello\n  namespace: demo\nversion: \"1.0\"\n" => "2:12: YAML syntax: mapping values are not allowed in this context; check this line's indentation against the lines above";
    yaml_unquoted_colon_in_value: with("display_name: Hello: World\n") => "4:20: YAML syntax: mapping values are not allowed in this context; a value holding \": \" must be quoted: display_name: \"Hello: World\"";
    yaml_second_document: with("---\nname: other\n") => "4:1: YAML syntax: a second YAML document; the file must hold exactly one";
    yaml_unknown_alias: with("tags: *nowhere\n") => "4:7: YAML syntax: while parsing node, found unknown anchor";
    yaml_list_as_key: with("? [a, b]\n: c\n") => "4:3: YAML syntax: a mapping key must be a plain string, not a list or mapping";
    yaml_deep_nesting: with(&format!("x: {}{}\n", "[".repeat(5000), "]".repeat(5000))) => "4:259: YAML syntax: recursion limit exceeded";
    tab_in_indentation: "name: hello\n\tnamespace: demo\nversion: \"1.0\"\n" => "2:1: YAML syntax: a tab in the indentation; YAML indents with spaces only (replace it with spaces)";
    tab_in_nested_indentation: with("depends:\n  - name: a\n\t  namespace: b\n") => "6:1: YAML syntax: a tab in the indentation; YAML indents with spaces only (replace it with spaces)";
    tab_after_colon: "name: hello\nnamespace:\tdemo\nversion: \"1.0\"\n" => "2:11: YAML syntax: a tab where YAML wants a space; replace it with a space";
    invalid_utf8: b"name: hello\nnamespace: demo\nversion: \"1.0\"\ndescription: caf\xe9\n".as_slice() => "4:17: not valid UTF-8; save the file as UTF-8";
    invalid_utf8_in_a_key: b"name: hello\n\xff: x\n".as_slice() => "2:1: not valid UTF-8; save the file as UTF-8";
    duplicate_key: with("name: again\n") => "4:1: YAML syntax: duplicate key \"name\" (first at line 1); remove one of them";
    duplicate_key_nested: with("depends:\n  - name: a\n    name: b\n") => "6:5: YAML syntax: duplicate key \"name\" (first at line 5); remove one of them";
    missing_name: "namespace: demo\nversion: \"1.0\"\n" => "1:1: missing required key \"name\" (the plugin's name: a-z, 0-9 and -)";
    missing_namespace: "name: hello\nversion: \"1.0\"\n" => "1:1: missing required key \"namespace\" (a-z and 0-9)";
    missing_version: "name: hello\nnamespace: demo\n" => "1:1: missing required key \"version\" (a Debian version such as 1.0.0)";
    name_is_a_list: "name: [hello]\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name: must be a string, not a list";
    name_is_null: "name:\nnamespace: demo\nversion: \"1.0\"\n" => "1:5: name: must be a string, not empty";
    namespace_is_a_mapping: "name: hello\nnamespace: {a: b}\nversion: \"1.0\"\n" => "2:12: namespace: must be a string, not a mapping";
    version_is_a_list: "name: hello\nnamespace: demo\nversion: [1]\n" => "3:10: version: must be a string, not a list";
    description_is_a_list: with("description: [a]\n") => "4:14: description: must be a string, not a list";
    author_is_a_mapping: with("author: {name: x}\n") => "4:9: author: must be a string, not a mapping";
    display_name_is_a_list: with("display_name: [a, b]\n") => "4:15: display_name: must be a string, not a list";
    homepage_is_a_mapping: with("homepage: {url: x}\n") => "4:11: homepage: must be a string, not a mapping";
    depends_item_version_a_list: with("depends:\n  - {name: other, namespace: demo, version: [1]}\n") => "5:45: depends[0].version: must be a string, not a list";
    name_uppercase: "name: Hello\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"Hello\": only a-z, 0-9 and - are allowed";
    name_underscore: "name: hello_world\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"hello_world\": only a-z, 0-9 and - are allowed";
    name_slash: "name: ../../etc\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"../../etc\": only a-z, 0-9 and - are allowed";
    name_dotdot: "name: \"..\"\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"..\": only a-z, 0-9 and - are allowed";
    name_empty_string: "name: \"\"\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"\": is empty";
    name_with_space: "name: \"hello world\"\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"hello world\": a space is not allowed; only a-z, 0-9 and - are allowed";
    name_block_scalar_keeps_newline: "name: |\n  hello\nnamespace: demo\nversion: \"1.0\"\n" => "2:3: name \"hello\\n\": a newline is not allowed; only a-z, 0-9 and - are allowed";
    name_read_as_boolean: "name: yes\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"yes\": the Wazo daemon's YAML reader takes it as True; quote it: name: \"yes\"";
    namespace_dash: "name: hello\nnamespace: foo-bar\nversion: \"1.0\"\n" => "2:12: namespace \"foo-bar\": only a-z and 0-9 are allowed (no dash)";
    namespace_uppercase: "name: hello\nnamespace: Demo\nversion: \"1.0\"\n" => "2:12: namespace \"Demo\": only a-z and 0-9 are allowed (no dash)";
    namespace_underscore: "name: hello\nnamespace: my_ns\nversion: \"1.0\"\n" => "2:12: namespace \"my_ns\": only a-z and 0-9 are allowed (no dash)";
    namespace_slash: "name: hello\nnamespace: a/b\nversion: \"1.0\"\n" => "2:12: namespace \"a/b\": only a-z and 0-9 are allowed (no dash)";
    namespace_dotdot: "name: hello\nnamespace: \"..\"\nversion: \"1.0\"\n" => "2:12: namespace \"..\": only a-z and 0-9 are allowed (no dash)";
    namespace_empty_string: "name: hello\nnamespace: ''\nversion: \"1.0\"\n" => "2:12: namespace \"\": is empty";
    namespace_folded_newline: "name: hello\nnamespace: >\n  demo\nversion: \"1.0\"\n" => "3:3: namespace \"demo\\n\": a newline is not allowed; only a-z and 0-9 are allowed (no dash)";
    version_v_prefix: "name: hello\nnamespace: demo\nversion: v1.0\n" => "3:10: version \"v1.0\": must start with a digit (Debian versions do: 1.0, not v1.0)";
    version_underscore: "name: hello\nnamespace: demo\nversion: 1.0_beta\n" => "3:10: version \"1.0_beta\": '_' is not allowed in a Debian version (only A-Z a-z 0-9 . + ~ and - :)";
    version_empty_string: "name: hello\nnamespace: demo\nversion: \"\"\n" => "3:10: version \"\": is empty; a version such as 1.0.0 is required";
    version_null: "name: hello\nnamespace: demo\nversion:\n" => "3:8: version: must be a string, not empty";
    version_with_space: "name: hello\nnamespace: demo\nversion: 1.0 beta\n" => "3:10: version \"1.0 beta\": a space is not allowed in a Debian version (only A-Z a-z 0-9 . + ~ and - :)";
    version_true: "name: hello\nnamespace: demo\nversion: true\n" => "3:10: version \"true\": must start with a digit (Debian versions do: 1.0, not v1.0)";
    version_injects_a_field: "name: hello\nnamespace: demo\nversion: \"1.0\\nPackage: x\"\n" => "3:10: version \"1.0\\nPackage: x\": a newline is not allowed in a Debian version (only A-Z a-z 0-9 . + ~ and - :)";
    version_trailing_dash: "name: hello\nnamespace: demo\nversion: 1.0-\n" => "3:10: version \"1.0-\": ends with '-' but has no Debian revision after it";
    version_bad_epoch: "name: hello\nnamespace: demo\nversion: \"a:1.0\"\n" => "3:10: version \"a:1.0\": epoch \"a\" must be a number";
    format_version_3: with("plugin_format_version: 3\n") => "4:24: plugin_format_version 3: must be 0, 1 or 2";
    format_version_negative: with("plugin_format_version: -1\n") => "4:24: plugin_format_version -1: must be 0, 1 or 2";
    format_version_quoted: with("plugin_format_version: \"1\"\n") => "4:24: plugin_format_version: must be an unquoted integer (0, 1 or 2), not the string \"1\"";
    format_version_float: with("plugin_format_version: 1.5\n") => "4:24: plugin_format_version: must be an unquoted integer (0, 1 or 2), not 1.5";
    format_version_huge: with("plugin_format_version: 99999999999999999999999\n") => "4:24: plugin_format_version: must be an unquoted integer (0, 1 or 2), not 99999999999999999999999";
    format_version_list: with("plugin_format_version: [1]\n") => "4:24: plugin_format_version: must be an unquoted integer (0, 1 or 2), not a list";
    depends_not_a_list: with("depends: other\n") => "4:10: depends: must be a list of {name, namespace} mappings, not a scalar";
    depends_item_a_string: with("depends:\n  - other\n") => "5:5: depends[0]: must be a mapping with name and namespace, not other";
    depends_item_missing_namespace: with("depends:\n  - name: other\n") => "5:5: depends[0]: missing \"namespace\"";
    depends_item_missing_name: with("depends:\n  - namespace: demo\n") => "5:5: depends[0]: missing \"name\"";
    depends_item_bad_name: with("depends:\n  - name: Other_One\n    namespace: demo\n") => "5:11: depends[0].name \"Other_One\": only a-z, 0-9 and - are allowed";
    depends_item_bad_namespace: with("depends:\n  - name: other\n    namespace: a-b\n") => "6:16: depends[0].namespace \"a-b\": only a-z and 0-9 are allowed (no dash)";
    debian_depends_a_string: with("debian_depends: curl, git\n") => "4:17: debian_depends: must be a list, not the single string \"curl, git\"; write each package as a \"- name\" line";
    debian_depends_a_mapping: with("debian_depends: {curl: 1}\n") => "4:17: debian_depends: must be a list of Debian relations, not a mapping";
    debian_depends_bad_relation: with("debian_depends:\n  - curl (> 1.0)\n") => "5:5: debian_depends[0] \"curl (> 1.0)\": the operator must be one of << <= = >= >>";
    debian_depends_bad_package_name: with("debian_depends:\n  - Curl\n") => "5:5: debian_depends[0]: package name \"Curl\" must start with a-z or 0-9";
    debian_depends_comma_in_item: with("debian_depends:\n  - curl, git\n") => "5:5: debian_depends[0] \"curl, git\": holds a comma; give each dependency as its own list item";
    debian_depends_newline_in_item: with("debian_depends:\n  - \"curl\\nPackage: evil\"\n") => "5:5: debian_depends[0] \"curl\\nPackage: evil\": a newline is not allowed in a relation";
    debian_depends_item_a_list: with("debian_depends:\n  - [curl]\n") => "5:5: debian_depends[0]: must be a string, not a list";
    display_name_newline: with("display_name: \"Hello\\nPackage: evil\"\n") => "4:15: display_name: a newline is not allowed; it would break the package's control file";
    author_control_character: with("author: \"Bob\\u0007\"\n") => "4:9: author: the control character U+0007 is not allowed; it would break the package's control file";
    homepage_newline: with("homepage: \"https://x.org\\nDepends: evil\"\n") => "4:11: homepage: a newline is not allowed; it would break the package's control file";
}

#[test]
fn manifest_missing() {
    let case = Case::new(SHOWN);
    std::fs::remove_file(case.path().join("wazo/plugin.yml")).unwrap();
    case.fails(
        3,
        Line::Exact("error: wazo/plugin.yml: not found; is this a Wazo plugin folder?"),
    );
    assert!(case.ran().is_empty());
}

#[test]
fn manifest_is_a_folder() {
    let case = Case::new(SHOWN);
    std::fs::remove_file(case.path().join("wazo/plugin.yml")).unwrap();
    std::fs::create_dir(case.path().join("wazo/plugin.yml")).unwrap();
    case.fails(3, Line::Exact("error: wazo/plugin.yml: not a regular file"));
    assert!(case.ran().is_empty());
}

#[test]
fn manifest_is_a_fifo_and_is_not_read() {
    let case = Case::new(SHOWN);
    let path = case.path().join("wazo/plugin.yml");
    std::fs::remove_file(&path).unwrap();
    mkfifo(&path);
    case.fails(3, Line::Exact("error: wazo/plugin.yml: not a regular file"));
}

#[test]
fn manifest_symlink_leaving_the_checkout_is_not_read() {
    let case = Case::new(SHOWN);
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), GOOD).unwrap();
    let path = case.path().join("wazo/plugin.yml");
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(secret.path(), &path).unwrap();
    let real = secret.path().canonicalize().unwrap();
    case.fails(
        3,
        Line::Exact(&format!(
            "error: wazo/plugin.yml: resolves to {}, outside the plugin folder; make it a regular file of the checkout",
            real.display()
        )),
    );
    assert!(case.ran().is_empty());
}

#[test]
fn manifest_over_the_size_limit() {
    let big = with(&format!("# {}\n", "x".repeat(16 << 20)));
    let case = Case::new(&big);
    case.fails(
        3,
        Line::Exact(&format!(
            "error: wazo/plugin.yml: {} bytes; a manifest larger than 16 MiB is refused",
            big.len()
        )),
    );
    assert!(case.ran().is_empty());
}

/// A few hundred bytes of nested aliases that would expand to 9^9 nodes.
fn alias_bomb() -> String {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    text
}

#[test]
fn alias_bomb_is_refused_quickly_in_bounded_memory() {
    let bomb = alias_bomb();
    assert!(bomb.len() < 600, "{}", bomb.len());
    let case = Case::new(&bomb);
    let (o, took, max_rss_kib) = run_measured(&mut case.cmd());
    case.assert_failed(
        &o,
        3,
        Line::Exact("error: wazo/plugin.yml:6:10: YAML syntax: the document expands to more than 100000 nodes (aliases?); refusing it"),
    );
    assert!(case.ran().is_empty());
    eprintln!("alias bomb: refused in {took:?}, peak memory {max_rss_kib} KiB");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(max_rss_kib < 200 << 10, "used {max_rss_kib} KiB");
}

#[test]
fn byte_order_mark_is_accepted() {
    let case = Case::new(format!("\u{feff}{GOOD}"));
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        dpkg_deb(&case.out.join(DEB), &["--field", "Package"]).trim(),
        "wazo-plugind-hello-demo"
    );
    assert_eq!(leftovers(case.tmp.path()), Vec::<PathBuf>::new());
}

#[test]
fn crlf_manifest_is_accepted() {
    let case = Case::new(GOOD.replace('\n', "\r\n"));
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        dpkg_deb(&case.out.join(DEB), &["--field", "Version"]).trim(),
        "1.0"
    );
}

#[test]
fn multi_megabyte_manifest_is_accepted_quickly() {
    // 4 MiB of market data: a valid manifest is a valid manifest, whatever its size.
    let mut text = with("description: |\n");
    while text.len() < 4 << 20 {
        text.push_str("  A long line of the description, repeated to make a large manifest.\n");
    }
    let case = Case::new(&text);
    let started = Instant::now();
    let o = run(case.cmd().args(["-Z", "none"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let deb = case.out.join(DEB);
    dpkg_deb(&deb, &["--info"]);
    assert_eq!(leftovers(case.tmp.path()), Vec::<PathBuf>::new());
}
