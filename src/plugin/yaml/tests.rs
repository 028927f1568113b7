//! Unit tests of the parent module.

use super::*;

fn scalar_text(node: &Node) -> &str {
    &node.as_scalar().unwrap().text
}

#[test]
fn keeps_scalar_text_as_written() {
    let root = parse("version: 1.10\nname: x\n").unwrap().unwrap();
    let Value::Map(entries) = &root.value else {
        panic!()
    };
    assert_eq!(scalar_text(&entries[0].1), "1.10");
    assert_eq!(entries[0].1.pos, Pos { line: 1, col: 10 });
}

#[test]
fn refuses_duplicate_keys_at_the_second() {
    let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
    assert_eq!(err.pos, Pos { line: 3, col: 1 });
    assert!(
        err.message
            .contains("duplicate key \"a\" (first at line 1)"),
        "{}",
        err.message
    );
}

#[test]
fn refuses_alias_bombs_early() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..20 {
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    let err = parse(&text).unwrap_err();
    assert!(err.message.contains("more than"), "{}", err.message);
}

#[test]
fn empty_text_is_no_document() {
    assert_eq!(parse("# nothing\n").unwrap(), None);
}
