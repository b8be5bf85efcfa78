#![allow(clippy::indexing_slicing, clippy::string_slice)]

use super::*;

fn parse(text: &str) -> TfVars {
    match TfVars::parse("t.tfvars", text.as_bytes().to_vec()) {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

fn error(text: &str) -> SourceError {
    match TfVars::parse("t.tfvars", text.as_bytes().to_vec()) {
        Ok(_) => panic!("expected an error for {text:?}"),
        Err(e) => e,
    }
}

fn json(text: &str, name: &str) -> Json {
    parse(text).get(name).map(|a| a.value.to_json()).unwrap_or(Json::Null)
}

#[test]
fn reads_strings_numbers_bools_null() {
    let v = parse("a = \"x\"\nb = 1.5\nc = true\nd = null\ne = -3\n");
    assert_eq!(v.get("a").map(|a| a.value.to_json()), Some(Json::from("x")));
    assert_eq!(json("b = 1.5", "b"), serde_json::json!(1.5));
    assert_eq!(json("b = 1e3", "b"), serde_json::json!(1000));
    assert_eq!(v.get("c").map(|a| a.value.to_json()), Some(Json::Bool(true)));
    assert_eq!(v.get("d").map(|a| a.value.to_json()), Some(Json::Null));
    assert_eq!(v.get("e").map(|a| a.value.to_json()), Some(serde_json::json!(-3)));
}

#[test]
fn keeps_spans_of_map_values() {
    let text = "m = {\n  \"lambda-x\" = \"1.4.2\"\n  b: \"2\",\n}\n";
    let v = parse(text);
    let entries = v.get("m").and_then(|a| a.value.entries()).unwrap_or_default();
    assert_eq!(entries.len(), 2);
    assert!(entries[0].quoted);
    let span = entries[0].value.span;
    assert_eq!(&text[span.start()..span.end()], "\"1.4.2\"");
    assert_eq!(v.position(span.start()), Position { line: 2, col: 16 });
}

#[test]
fn accepts_bom_crlf_and_comments() {
    let v = parse("\u{feff}# c\r\na = \"1\" // x\r\n/* b\r\n */ b = [1,\r\n 2,]\r\n");
    assert_eq!(v.get("b").map(|a| a.value.to_json()), Some(serde_json::json!([1, 2])));
    assert_eq!(
        v.position(v.get("a").map_or(0, |a| a.name_span.start())),
        Position { line: 2, col: 1 }
    );
}

#[test]
fn duplicate_object_keys_keep_the_last() {
    assert_eq!(json("m = { a = 1, a = 2 }", "m"), serde_json::json!({"a": 2}));
}

#[test]
fn rejects_duplicate_top_level_attributes() {
    let e = error("a = 1\n\na = 2\n");
    assert_eq!(e.position, Position { line: 3, col: 1 });
    assert!(e.message.contains("defined twice"), "{}", e.message);
}

#[test]
fn heredocs_plain_and_flush() {
    assert_eq!(json("a = <<EOT\n  x\n y\nEOT\n", "a"), Json::from("  x\n y\n"));
    assert_eq!(
        json("a = <<-EOT\n    x\n\n      y\n    EOT\n", "a"),
        Json::from("x\n\n  y\n")
    );
}

#[test]
fn escapes() {
    assert_eq!(
        json(r#"a = "q\"\\\n\u00e9$${x}%%{y}$z""#, "a"),
        Json::from("q\"\\\né${x}%{y}$z")
    );
}

#[test]
fn rejects_what_terraform_rejects() {
    for bad in [
        "a = var.x",
        "a = f(1)",
        "a = \"${x}\"",
        "a = 1 + true",
        "a = 1 +",
        "a = \"x",
        "a = [1",
        "a = {",
        "a {\n}",
        "= 1",
        "a = \"\\q\"",
    ] {
        let e = error(bad);
        assert_eq!(e.position.line, 1, "{bad}: {e}");
    }
}

#[test]
fn rejects_too_deep_nesting() {
    let text = format!(
        "a = {}{}",
        "[".repeat(super::parse::MAX_DEPTH + 1),
        "]".repeat(super::parse::MAX_DEPTH + 1)
    );
    assert!(error(&text).message.contains("deeper"));
}

#[test]
fn reports_invalid_utf8_position() {
    let e = TfVars::parse("t", b"a = 1\nb = \"\xff\"\n".to_vec()).err();
    assert_eq!(e.map(|e| e.position), Some(Position { line: 2, col: 6 }));
}

#[test]
fn folds_operators_like_terraform() {
    assert_eq!(json("a = 24 * 60", "a"), serde_json::json!(1440));
    assert_eq!(json("a = { b = 4 * 60 + 1 }", "a"), serde_json::json!({"b": 241}));
    assert_eq!(json("a = 1 < 2 && !false", "a"), Json::Bool(true));
    assert_eq!(json("a = 2 == 2 ? \"y\" : \"n\"", "a"), Json::from("y"));
    assert_eq!(json("a = -(3)", "a"), serde_json::json!(-3));
    assert_eq!(json("a = 7 / 2", "a"), serde_json::json!(3.5));
}

#[test]
fn numbers_print_as_terraform_prints_them() {
    let cases = [
        ("1.0", "1"),
        ("1e-3", "0.001"),
        ("0.1", "0.1"),
        ("12345678901234567890", "12345678901234567890"),
        ("-0", "0"), // as Terraform's outputs show it; `"${-0}"` keeps the sign (below)
        ("2.50", "2.5"),
        ("1.50e3", "1500"),
        ("-12.5e-1", "-1.25"),
        ("007", "7"),
    ];
    for (literal, printed) in cases {
        assert_eq!(json(&format!("a = {literal}"), "a").to_string(), printed, "{literal}");
    }
    assert_eq!(json("a = 1.5e300", "a").to_string().len(), 301);
    assert_eq!(json("a = 7 / 2", "a").to_string(), "3.5");
    assert_eq!(json("a = 0.1 + 0.2", "a").to_string(), "0.3");
    assert_eq!(json("a = 1 / 8", "a").to_string(), "0.125");
    assert_eq!(json("a = 1.5 * -2", "a").to_string(), "-3");
}

#[test]
fn evaluates_as_terraform_evaluates_a_var_file() {
    let cases = [
        ("a = 1e5000", format!("1{}", "0".repeat(5000))),
        ("a = 1e308 * 10", format!("1{}", "0".repeat(309))),
        ("a = 1/3*3", "1".into()),
        ("a = true ? 1 : \"x\"", "\"1\"".into()),
        ("a = false ? 1 : \"x\"", "\"x\"".into()),
        ("a = \"2\" * 3", "6".into()),
        ("a = \"true\" && true", "true".into()),
        ("a = true && null", "false".into()),
        ("a = true ? 1 : var.x", "1".into()),
        ("a = \"${\"a\"}b\"", "\"ab\"".into()),
        ("a = \"1.4.${2}\"", "\"1.4.2\"".into()),
        ("a = \"%{ if true }y%{ else }n%{ endif }\"", "\"y\"".into()),
        ("a = \"%{ for x in [1, 2] }${x},%{ endfor }\"", "\"1,2,\"".into()),
        ("a = { \"${\"k\"}\" = 1 }", "{\"k\":1}".into()),
        (
            "a = [for k, v in { b = 2, a = 1 } : \"${k}=${v}\"]",
            "[\"a=1\",\"b=2\"]".into(),
        ),
        ("a = { for v in [\"x\", \"y\"] : v => upper }.x", "fails".into()),
        ("a = [10, 20][1]", "20".into()),
        ("a = { b = { c = 3 } }.b[\"c\"]", "3".into()),
        ("a = { null = 1, true = 2 }", "{\"null\":1,\"true\":2}".into()),
        ("a = 1 # \u{fffd} is fine here", "1".into()),
    ];
    for (text, expected) in cases {
        let got = TfVars::parse("t.tfvars", text.as_bytes().to_vec())
            .map(|v| v.get("a").map(|a| a.value.to_json().to_string()).unwrap_or_default())
            .unwrap_or_else(|_| "fails".into());
        assert_eq!(got, expected, "{text}");
    }
}

#[test]
fn refuses_what_terraform_refuses_and_says_what_it_does_not_evaluate() {
    for (text, says) in [
        ("a = { for = 1 }", "`for`"),
        ("a = \" 1\" + 1", "a number is required"),
        ("a = true ? 1 : [2]", "Inconsistent conditional result types"),
        ("a = \"\\xff\"", "invalid escape"),
        ("a = [1][*]", "Terraform accepts splat expressions"),
        ("a = true ? 1 : [var.x]", "Terraform accepts such a conditional"),
        ("a = upper(\"x\")", "functions may not be called"),
        ("a = 1 % (1/0)", "infinite"),
    ] {
        let e = error(text);
        assert!(e.message.contains(says), "{text}: {e}");
        assert_eq!(e.position.line, 1, "{text}");
    }
    let bytes = b"a = \"\xff\"\n".to_vec();
    let e = TfVars::parse("t", bytes)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.starts_with("t:1:6: invalid UTF-8"), "{e}");
    let comment = TfVars::parse("t", b"# \xff\na = 1\n".to_vec());
    assert!(
        comment.as_ref().is_ok_and(|v| v.editable().is_err()),
        "read, but never edited"
    );
}

// The classes the differential campaign (tests/differential) found, each with Terraform's answer.

#[test]
fn invalid_utf8_in_a_comment_inside_a_template_is_accepted() {
    let bytes = b"a = <<-EOT\n  x\n  ${1 /* \xff */ + 1}\n  EOT\nb = \"${1 /* \xc3 */}x\"\n".to_vec();
    let vars = TfVars::parse("t", bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(vars.get("a").map(|a| a.value.to_json()), Some(Json::from("x\n2\n")));
    assert_eq!(vars.get("b").map(|a| a.value.to_json()), Some(Json::from("1x")));
    let e = TfVars::parse("t", b"a = <<EOT\n${\"\xff\"}\nEOT\n".to_vec()).err();
    assert_eq!(e.map(|e| e.position), Some(Position { line: 2, col: 4 }));
}

#[test]
fn negative_zero_keeps_its_sign_in_strings_and_prints_as_zero() {
    // Terraform's outputs (plan, state, `output -json`) show -0 as 0; its strings keep the sign.
    assert_eq!(json("a = -0", "a").to_string(), "0");
    assert_eq!(json("a = \"${-0}x\"", "a"), Json::from("-0x"));
    assert_eq!(json("a = \"=${0 * -5}\"", "a"), Json::from("=-0"));
    assert_eq!(json("a = \"${\"-3\" / \"inf\"} ${-0 * -5}\"", "a"), Json::from("-0 0"));
    assert_eq!(json("a = { (-0) = 1 }", "a"), serde_json::json!({"-0": 1}));
    assert_eq!(json("a = -0 == 0", "a"), Json::Bool(true));
}

#[test]
fn flush_heredoc_indentation_counts_only_lines_that_start_a_token() {
    for (text, want) in [
        // The line inside the interpolation does not count.
        ("a = <<-EOT\n    ${1 +\n1}\n    x\n  EOT\n", "2\nx\n"),
        (
            "a = <<-EOT\n    a ${1 +\n  1} b\n      c\n    %{ if true }\n    d\n    %{ endif }\n    EOT\n",
            "a 2 b\n  c\n\nd\n\n",
        ),
        // A line that starts with `${` has no indentation.
        ("a = <<-EOT\n    a\n  ${\"x\"}\n     b\n    EOT\n", "  a\nx\n   b\n"),
        // `~` strips first: what is left of a stripped line starts a line with no indentation.
        (
            "a = <<-EOT\n    a\n    %{ if true }\n    d\n    %{~ endif }\n    EOT\n",
            "    a\n    \n    d\n\n",
        ),
        ("a = <<-EOT\n\t\ta\n\t\t${~ 1 ~}\n\t\t\tb\n\tEOT\n", "\t\ta\n1\t\t\tb\n"),
    ] {
        assert_eq!(json(text, "a"), Json::from(want), "{text}");
    }
}

#[test]
fn a_heredoc_closed_at_the_end_of_the_file_is_refused() {
    let e = error("a = <<EOT\nhello\nEOT");
    assert_eq!(e.position, Position { line: 3, col: 4 });
    assert!(e.message.contains("must be followed by a line break"), "{}", e.message);
    assert_eq!(json("a = <<EOT\nhello\nEOT\r\n", "a"), Json::from("hello\n"));
}

#[test]
fn conversion_to_a_collection_of_any_type_unifies_the_elements() {
    // Terraform: the list's elements (two objects and a null) have no common type but "any".
    let e = error("a = true ? [{}, null, { b = 1 }] : [true, false]\n");
    assert!(
        e.message.contains("Inconsistent conditional result types"),
        "{}",
        e.message
    );
    let ty = parse("a = true ? { x = true, y = null } : { z = 1 }\n")
        .get("a")
        .map(|a| a.value.ty().to_json());
    assert_eq!(ty, Some(serde_json::json!(["map", "bool"])));
}

#[test]
fn a_failed_template_beside_or_and_and_is_the_text_before_its_error() {
    // HCL's failed template is a known string, so it must convert to bool and cannot be skipped.
    for bad in [
        "a = \"${null}x\" || true",
        "a = true || \"${null}x\"",
        "a = \"${null}false\" || true",
        "a = false || \"true${null}\"",
        "a = false && \"x${null}\"",
        "a = \"%{ if true }${null}%{ endif }true\" || true",
    ] {
        let e = error(bad);
        assert!(
            e.message.starts_with("Invalid template interpolation value"),
            "{bad}: {e}"
        );
    }
    assert_eq!(json("a = \"false${null}\" || true", "a"), Json::Bool(true));
    assert_eq!(json("a = (\"true${null}\") && false", "a"), Json::Bool(false));
    assert_eq!(json("a = 1 == 1 || \"${null}\"", "a"), Json::Bool(true));
}

#[test]
fn a_failed_list_map_or_for_beside_or_and_and_is_known_and_not_a_bool() {
    for bad in [
        "a = [var.x] || true",
        "a = { a = var.x } || true",
        "a = [for x in [1] : var.x] || true",
        "a = {for k, v in { a = 1, b = 2 } : \"same\" => v} && false",
    ] {
        assert_eq!(error(bad).position.line, 1, "{bad}");
    }
    // A failed key, filter or collection leaves HCL's result unknown, which `true` outweighs.
    for good in [
        "a = { (var.x) = 1 } || true",
        "a = [for x in null : x] || true",
        "a = {for k, v in { a = 1 } : var.k => v} || true",
    ] {
        assert_eq!(json(good, "a"), Json::Bool(true), "{good}");
    }
}

#[test]
fn a_failed_branch_in_parentheses_or_a_lone_interpolation_keeps_its_operator_type() {
    // HCL's failed `1 + var.x` is an unknown number, however it is wrapped.
    for bad in [
        "a = true ? { a = 1 } : (1 + var.x)",
        "a = true ? { a = 1 } : \"${1 + var.x}\"",
        "a = true ? [1] : ((1 < var.x))",
    ] {
        let e = error(bad);
        assert!(
            e.message.starts_with("Inconsistent conditional result types"),
            "{bad}: {e}"
        );
    }
    assert_eq!(json("a = true ? \"a\" : (\"${!var.x}\")", "a"), Json::from("a"));
}

#[test]
fn a_tilde_after_a_lone_percent_at_a_crlf_line_end_keeps_the_carriage_return() {
    let text = "a = <<EOT\r\n\tline\r\n%\r\n%{~ if false ~}  body%{~ else ~}no%{ endif }\r\nEOT\r\n";
    assert_eq!(json(text, "a"), Json::from("\tline\r\n%\rno\r\n"));
    assert_eq!(
        json("a = [1e-400 / 0 % 0 > 1, \"inf\" % -0 > 1]", "a"),
        serde_json::json!([true, true])
    );
}

#[test]
fn an_infinite_value_under_a_key_given_again_is_not_kept() {
    assert_eq!(json("a = { x = 1 / 0, x = 2 }", "a"), serde_json::json!({"x": 2}));
    assert!(error("a = { x = 2, x = 1 / 0 }").message.contains("infinite"));
}

#[test]
fn conversion_to_a_map_of_any_type_needs_values_of_one_type() {
    // The results unify as a map of any type, which the true result's values do not fit.
    let e = error("a = true ? { a = [1], b = \"x\" } : { c = 1 }\n");
    assert!(
        e.message.contains("Inconsistent conditional result types"),
        "{}",
        e.message
    );
}
