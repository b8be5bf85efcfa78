#![allow(clippy::indexing_slicing, clippy::unwrap_used)]

use serde_json::json;

use crate::tfvars::splice::{apply, edit_entries, edit_top_level, replace_string, NewValue};
use crate::tfvars::TfVars;

fn parse(text: &str) -> TfVars {
    match TfVars::parse("v.tfvars.json", text.as_bytes().to_vec()) {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

fn error(text: &str) -> String {
    match TfVars::parse("v.tfvars.json", text.as_bytes().to_vec()) {
        Ok(_) => panic!("expected an error for {text:?}"),
        Err(e) => format!("{}: {}", e.position, e.message),
    }
}

fn value(text: &str, name: &str) -> serde_json::Value {
    parse(text).get(name).map(|a| a.value.to_json()).unwrap()
}

#[test]
fn reads_values_as_terraform_does() {
    let v = parse("{\"a\": \"${1+1}\", \"b\": [1, true, null], \"c\": {\"x\": -0.5e1}}");
    assert_eq!(
        v.get("a").unwrap().value.to_json(),
        json!("${1+1}"),
        "strings are literal"
    );
    assert_eq!(v.get("b").unwrap().value.to_json(), json!([1, true, null]));
    assert_eq!(v.get("c").unwrap().value.to_json(), json!({"x": -5}));
    assert_eq!(
        v.get("c").unwrap().value.ty().to_json(),
        json!(["object", {"x": "number"}])
    );
    assert_eq!(
        value("{\"a\": \"\\ud800\\u0041\\ud83d\\ude00\\/\"}", "a"),
        json!("\u{fffd}A😀/")
    );
    assert_eq!(
        value("{\"a\": \"e\\u0301\"}", "a"),
        json!("é"),
        "NFC, as cty normalises"
    );
    assert_eq!(value("{\"a\": 1E+2}", "a"), json!(100));
    assert_eq!(
        value("{\"a\": -0.0e3}", "a"),
        json!(0),
        "-0 shows as 0, as in Terraform's outputs"
    );
}

#[test]
fn a_top_level_comment_property_is_no_variable() {
    let v = parse("{\"//\": \"note\", \"//\": 1, \"a\": {\"//\": 2}}");
    assert_eq!(v.iter().map(|a| a.name.to_string()).collect::<Vec<_>>(), ["a"]);
    assert_eq!(v.get("a").unwrap().value.to_json(), json!({"//": 2}));
}

#[test]
fn refuses_what_terraform_refuses_with_positions() {
    let cases = [
        ("{\"a\": 1,}", "1:8: a trailing comma in an object"),
        ("{\"a\": [1,]}", "1:9: a trailing comma in an array"),
        ("{\"a\": 01}", "1:7: `01` is not a JSON number"),
        ("{\"a\": .5}", "1:7: `.5` is not a JSON number"),
        ("{\"a\": True}", "1:7: `True` is not a JSON keyword"),
        ("{\"a\" = 1}", "1:6: JSON separates"),
        ("{a: 1}", "1:2: `a` cannot start a property name"),
        ("{\"a\": 1 // c\n}", "1:9: expected `,` or `}`, found `/`"),
        ("{\"a\": // c\n1}", "1:7: JSON has no comments"),
        ("{\"a\": \"x\ny\"}", "1:9: control character U+000A"),
        ("{\"a\": \"\\x\"}", "1:8: `\\x` is not a JSON escape"),
        ("{\"a\": \"x}", "1:7: this string is never closed"),
        ("{\"a\": [1}", "1:9: this array must be closed with `]`"),
        ("{\"a\": 1", "1:1: this object is never closed"),
        ("", "1:1: the JSON ends where a value should be"),
        ("[1]", "1:1: a JSON var file must be one object"),
        ("{} {}", "1:4: extra characters after the JSON object"),
        ("\u{feff}{}", "1:1: this JSON var file starts with a byte-order mark"),
        (
            "{\n \"a\": 1,\n \"a\": 2}",
            "3:2: variable `a` is set twice in this file (first at 2:2)",
        ),
        (
            "{\"a\": {\"e\\u0301\": 1, \"é\": 2}}",
            "1:22: key `é` appears twice in this object (first at 1:8",
        ),
        ("{\"a b\": 1}", "1:2: `a b` is not a valid variable name"),
        (
            "{\"variable\": {\"x\": {}}}",
            "1:15: this looks like a variable declaration",
        ),
    ];
    for (text, expected) in cases {
        let got = error(text);
        assert!(got.starts_with(expected), "{text:?}: {got}");
    }
    assert!(TfVars::parse("v.tfvars.json", b"{\"variable\": {\"x\": \"s\"}}".to_vec()).is_ok());
}

#[test]
fn invalid_utf8_is_u_fffd_in_strings_and_refused_elsewhere() {
    let v = TfVars::parse("v.tfvars.json", b"{\"a\": \"\xff\"}".to_vec()).unwrap();
    assert_eq!(v.get("a").unwrap().value.to_json(), json!("\u{fffd}"));
    assert!(v.editable().is_err(), "its text is not its bytes");
    let e = TfVars::parse("v.tfvars.json", b"{\"a\": 1 \xff}".to_vec())
        .err()
        .unwrap();
    assert!(e.message.contains("a byte that is not UTF-8"), "{e}");
}

#[test]
fn nesting_past_the_limit_is_refused_not_a_crash() {
    let deep = format!(
        "{{\"a\": {}1{}}}",
        "[".repeat(crate::tfvars::MAX_DEPTH + 1),
        "]".repeat(crate::tfvars::MAX_DEPTH + 1)
    );
    assert!(error(&deep).contains("values nest deeper than"));
    let ok = format!("{{\"a\": {}1{}}}", "[".repeat(5000), "]".repeat(5000));
    assert!(TfVars::parse("v.tfvars.json", ok.into_bytes()).is_ok());
}

#[test]
fn replacing_a_string_escapes_as_json() {
    let v = parse("{\r\n\t\"a\":\"1.0.0\", \"b\": \"\\u0031\"}");
    let edit = replace_string(&v.get("a").unwrap().value, "2.0.0-\"q\"\\${x}\n").unwrap();
    assert_eq!(
        apply(v.text(), &[edit]),
        "{\r\n\t\"a\":\"2.0.0-\\\"q\\\"\\\\${x}\\n\", \"b\": \"\\u0031\"}"
    );
}

/// Applies `remove` (map keys of `m`) and `new` entries to `m`, and checks the result reads back.
fn map_edit(text: &str, remove: &[&str], new: &[(&str, &str)]) -> String {
    let v = parse(text);
    let m = &v.get("m").unwrap().value;
    let entries = m.entries().unwrap();
    let at: Vec<usize> = (0..entries.len())
        .filter(|&i| remove.contains(&&*entries[i].key))
        .collect();
    let new: Vec<(String, String)> = new.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let out = apply(text, &edit_entries(&v, m, &at, &new));
    let back = parse(&out);
    let mut expected: Vec<(String, String)> = entries
        .iter()
        .filter(|e| !remove.contains(&&*e.key))
        .map(|e| (e.key.to_string(), e.value.as_str().unwrap().to_string()))
        .collect();
    expected.extend(new);
    let got: Vec<(String, String)> = back
        .get("m")
        .unwrap()
        .value
        .entries()
        .unwrap()
        .iter()
        .map(|e| (e.key.to_string(), e.value.as_str().unwrap().to_string()))
        .collect();
    assert_eq!(got, expected, "{out}");
    out
}

#[test]
fn map_edits_keep_the_layout() {
    let multi = "{\n  \"m\": {\n    \"a\": \"1\",\n    \"b\": \"2\",\n    \"c\": \"3\"\n  }\n}";
    assert_eq!(
        map_edit(multi, &["b"], &[]),
        "{\n  \"m\": {\n    \"a\": \"1\",\n    \"c\": \"3\"\n  }\n}"
    );
    assert_eq!(
        map_edit(multi, &["a"], &[]),
        "{\n  \"m\": {\n    \"b\": \"2\",\n    \"c\": \"3\"\n  }\n}"
    );
    assert_eq!(
        map_edit(multi, &["c"], &[]),
        "{\n  \"m\": {\n    \"a\": \"1\",\n    \"b\": \"2\"\n  }\n}"
    );
    assert_eq!(
        map_edit(multi, &["b", "c"], &[("d", "4")]),
        "{\n  \"m\": {\n    \"a\": \"1\",\n    \"d\": \"4\"\n  }\n}"
    );
    assert_eq!(map_edit(multi, &["a", "b", "c"], &[]), "{\n  \"m\": {}\n}");
    assert_eq!(
        map_edit(multi, &["a", "b", "c"], &[("d", "4")]),
        "{\n  \"m\": {\n    \"d\": \"4\"\n  }\n}"
    );
    let one = "{\"m\": {\"a\": \"1\", \"b\": \"2\"}}";
    assert_eq!(map_edit(one, &["a"], &[]), "{\"m\": {\"b\": \"2\"}}");
    assert_eq!(
        map_edit(one, &["b"], &[("c", "3")]),
        "{\"m\": {\"a\": \"1\", \"c\": \"3\"}}"
    );
    assert_eq!(map_edit("{\"m\": {\"a\": \"1\"}}", &["a"], &[]), "{\"m\": {}}");
    assert_eq!(
        map_edit("{\"m\": {}}", &[], &[("a", "1"), ("b", "2")]),
        "{\"m\": {\"a\": \"1\", \"b\": \"2\"}}"
    );
    assert_eq!(
        map_edit("{\"m\": { }}", &[], &[("a", "1")]),
        "{\"m\": { \"a\": \"1\" }}"
    );
    assert_eq!(
        map_edit("{\r\n\t\"m\": {\r\n\t}\r\n}", &[], &[("a", "1")]),
        "{\r\n\t\"m\": {\r\n\t\t\"a\": \"1\"\r\n\t}\r\n}"
    );
    assert_eq!(
        map_edit("{\"m\":{\n  \"a\" : \"1\"}}", &[], &[("b", "2")]),
        "{\"m\":{\n  \"a\" : \"1\",\n  \"b\" : \"2\"}}"
    );
}

#[test]
fn top_level_edits_keep_the_layout() {
    let text = "{\n    \"//\": \"pins\",\n    \"a\": \"1\",\n    \"b\": \"2\"\n}";
    let v = parse(text);
    let b = v.get("b").unwrap();
    let new = [(
        "m".to_string(),
        NewValue::Map(vec![("x".into(), "1".into()), ("y".into(), "2".into())]),
    )];
    let out = apply(text, &edit_top_level(&v, &[b], &new));
    assert_eq!(out, "{\n    \"//\": \"pins\",\n    \"a\": \"1\",\n    \"m\": {\n        \"x\": \"1\",\n        \"y\": \"2\"\n    }\n}");
    let v = parse("{\"a\": \"1\"}");
    let a = v.get("a").unwrap();
    let out = apply(
        v.text(),
        &edit_top_level(&v, &[a], &[("c".into(), NewValue::Version("3".into()))]),
    );
    assert_eq!(out, "{\"c\": \"3\"}");
    let v = parse("{}");
    let out = apply(
        v.text(),
        &edit_top_level(&v, &[], &[("m".into(), NewValue::Map(vec![("x".into(), "1".into())]))]),
    );
    assert_eq!(out, "{\"m\": {\"x\": \"1\"}}");
}

/// Text made of JSON's pieces, often valid, often not.
fn jsonish() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let piece = prop_oneof![
        Just("{"),
        Just("}"),
        Just("["),
        Just("]"),
        Just(","),
        Just(":"),
        Just(" "),
        Just("\n"),
        Just("\r\n"),
        Just("\"a\""),
        Just("\"v\""),
        Just("\"//\""),
        Just("\"1.0.0\""),
        Just("\"\\u00e9\""),
        Just("\"\\ud800\""),
        Just("\"\\\""),
        Just("1"),
        Just("-0"),
        Just("1e400"),
        Just("true"),
        Just("null"),
        Just("\u{feff}"),
        Just("é"),
        Just("\\"),
        Just("/"),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

proptest::proptest! {
    #[test]
    fn no_input_panics_and_every_string_splices(text in jsonish()) {
        let wrapped = [text.clone(), format!("{{\"a\": {text}}}"), format!("{{\"m\": {{\"k\": \"1.0.0\"{text}}}}}")];
        for text in wrapped {
            let Ok(vars) = TfVars::parse("p.tfvars.json", text.into_bytes()) else { continue };
            for attr in vars.iter() {
                let nodes: Vec<&crate::tfvars::Node> = match attr.value.entries() {
                    Some(entries) => entries.iter().map(|e| &e.value).collect(),
                    None => vec![&attr.value],
                };
                for node in nodes.into_iter().filter(|n| n.form == crate::tfvars::Form::Json) {
                    let new = "2.0.0-\"x\"\\\n\u{1}é";
                    let out = apply(vars.text(), &[replace_string(node, new).unwrap()]);
                    let again = TfVars::parse("p.tfvars.json", out.into_bytes()).unwrap();
                    let edited = again.get(&attr.name).unwrap();
                    let got = match edited.value.entries() {
                        Some(entries) => entries.iter().find(|e| e.value.span.start() == node.span.start()).map(|e| e.value.to_json()),
                        None => Some(edited.value.to_json()),
                    };
                    proptest::prop_assert_eq!(got, Some(json!(new)));
                }
            }
        }
    }
}
