//! Property tests over generated `.tfvars` files: the reader gives back exactly the generated
//! values whatever the formatting, a splice edit changes exactly one value, and no input panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use pins::tfvars::selfcheck::{quoted_strings, set, to_json};
use pins::tfvars::splice::{apply, replace_string};
use pins::tfvars::TfVars;
use proptest::prelude::*;
use serde_json::{json, Value as Json};

/// A generated value.
#[derive(Debug, Clone)]
enum Model {
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
    List(Vec<Model>),
    Map(Vec<(String, Model)>),
}

/// How the file is laid out.
#[derive(Debug, Clone)]
struct Layout {
    crlf: bool,
    bom: bool,
    comments: bool,
    pad: usize,
    trailing_commas: bool,
    one_line_maps: bool,
    unicode_escapes: bool,
    final_newline: bool,
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('a'),
            Just('Z'),
            Just('1'),
            Just('.'),
            Just('-'),
            Just(' '),
            Just('"'),
            Just('\\'),
            Just('$'),
            Just('%'),
            Just('{'),
            Just('}'),
            Just('\n'),
            Just('\t'),
            Just('é'),
            Just('😀'),
            Just('#'),
            Just('/'),
            Just('*')
        ],
        0..12,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z][a-z0-9_-]{0,8}", "[a-z ]{1,6}[A-Z]"]
}

fn model() -> impl Strategy<Value = Model> {
    let leaf = prop_oneof![
        text().prop_map(Model::Str),
        (-1_000_000i64..1_000_000).prop_map(Model::Int),
        any::<bool>().prop_map(Model::Bool),
        Just(Model::Null),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Model::List),
            proptest::collection::btree_map(key(), inner, 0..4).prop_map(|m| Model::Map(m.into_iter().collect())),
        ]
    })
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0..4usize,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(crlf, bom, comments, pad, trailing_commas, one_line_maps, unicode_escapes, final_newline)| Layout {
                crlf,
                bom,
                comments,
                pad,
                trailing_commas,
                one_line_maps,
                unicode_escapes,
                final_newline,
            },
        )
}

/// Renders a string literal independently of pins' own escaper.
fn render_str(s: &str, l: &Layout) -> String {
    let mut out = String::from("\"");
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_brace = chars.get(i + 1) == Some(&'{');
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' if l.unicode_escapes => out.push_str("\\u0009"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if next_brace => {
                out.push(c);
                out.push(c);
            }
            'é' if l.unicode_escapes => out.push_str("\\u00e9"),
            '😀' if l.unicode_escapes => out.push_str("\\U0001F600"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn render_key(k: &str) -> String {
    if k.contains(' ') || k.chars().any(|c| c.is_ascii_uppercase()) {
        format!("\"{k}\"")
    } else {
        k.to_string()
    }
}

fn render(m: &Model, l: &Layout, indent: usize) -> String {
    let eol = if l.crlf { "\r\n" } else { "\n" };
    let comma = if l.trailing_commas { "," } else { "" };
    match m {
        Model::Str(s) => render_str(s, l),
        Model::Int(i) => i.to_string(),
        Model::Bool(b) => b.to_string(),
        Model::Null => "null".into(),
        Model::List(items) => {
            let parts: Vec<String> = items.iter().map(|i| render(i, l, indent + 1)).collect();
            format!("[{}{}]", parts.join(", "), if parts.is_empty() { "" } else { comma })
        }
        Model::Map(entries) if l.one_line_maps || entries.is_empty() => {
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{} = {}", render_key(k), render(v, l, indent + 1)))
                .collect();
            format!(
                "{{ {}{} }}",
                parts.join(", "),
                if parts.is_empty() { "" } else { comma }
            )
        }
        Model::Map(entries) => {
            let pad = " ".repeat(l.pad);
            let inner = "  ".repeat(indent + 1);
            let mut out = format!("{{{eol}");
            for (k, v) in entries {
                if l.comments {
                    out.push_str(&format!("{inner}# about {}{eol}", k.replace(['\r', '\n'], "")));
                }
                out.push_str(&format!(
                    "{inner}{}{pad} = {}{comma}{eol}",
                    render_key(k),
                    render(v, l, indent + 1)
                ));
            }
            out.push_str(&format!("{}}}", "  ".repeat(indent)));
            out
        }
    }
}

fn model_json(m: &Model) -> Json {
    match m {
        Model::Str(s) => json!(s),
        Model::Int(i) => json!(i),
        Model::Bool(b) => json!(b),
        Model::Null => Json::Null,
        Model::List(items) => Json::Array(items.iter().map(model_json).collect()),
        Model::Map(entries) => Json::Object(entries.iter().map(|(k, v)| (k.clone(), model_json(v))).collect()),
    }
}

fn file() -> impl Strategy<Value = (Vec<(String, Model)>, Layout)> {
    let attrs = proptest::collection::btree_map("[a-z][a-z0-9_]{0,6}", model(), 0..6);
    (attrs, text(), layout()).prop_map(|(m, pin, l)| {
        let mut attrs: Vec<(String, Model)> = m.into_iter().collect();
        attrs.retain(|(k, _)| k != "pin");
        attrs.push(("pin".to_string(), Model::Str(pin)));
        (attrs, l)
    })
}

fn render_file(attrs: &[(String, Model)], l: &Layout) -> String {
    let eol = if l.crlf { "\r\n" } else { "\n" };
    let mut out = String::from(if l.bom { "\u{feff}" } else { "" });
    for (name, value) in attrs {
        if l.comments {
            out.push_str(&format!("// {name}{eol}/* block */ "));
        }
        out.push_str(&format!("{name}{} = {}{eol}", " ".repeat(l.pad), render(value, l, 0)));
    }
    if !l.final_newline && out.ends_with(eol) {
        out.truncate(out.len() - eol.len());
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(512), ..ProptestConfig::default() })]

    #[test]
    fn reading_gives_back_the_generated_values((attrs, l) in file()) {
        let text = render_file(&attrs, &l);
        let vars = TfVars::parse("gen.tfvars", text.clone().into_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let expected = Json::Object(attrs.iter().map(|(k, v)| (k.clone(), model_json(v))).collect());
        prop_assert_eq!(to_json(&vars), expected);
    }

    #[test]
    fn a_splice_changes_exactly_one_value((attrs, l) in file(), pick in any::<prop::sample::Index>(), new in text()) {
        let text = render_file(&attrs, &l);
        let vars = TfVars::parse("gen.tfvars", text.clone().into_bytes()).unwrap();
        let found = quoted_strings(&vars);
        prop_assume!(!found.is_empty());
        let (node, path, visible) = &found[pick.index(found.len())];
        let edited = apply(vars.text(), &[replace_string(node, &new).unwrap()]);
        prop_assert_eq!(&edited[..node.span.start()], &text[..node.span.start()]);
        prop_assert!(edited.ends_with(&text[node.span.end()..]));
        let again = TfVars::parse("gen.tfvars", edited.into_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut expected = to_json(&vars);
        if *visible {
            set(&mut expected, path, json!(new));
        }
        prop_assert_eq!(to_json(&again), expected);
    }

    #[test]
    fn no_input_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = TfVars::parse("junk", bytes);
    }

    #[test]
    fn no_mutation_of_a_valid_file_panics((attrs, l) in file(), cut in any::<prop::sample::Index>(), insert in proptest::collection::vec(any::<u8>(), 0..4)) {
        let mut bytes = render_file(&attrs, &l).into_bytes();
        let at = cut.index(bytes.len() + 1);
        bytes.splice(at..at, insert);
        if let Ok(vars) = TfVars::parse("mutated", bytes.clone()) {
            for a in vars.iter() {
                let _ = a.value.to_json();
                let _ = vars.position(a.value.span.end());
            }
        }
        bytes.truncate(at);
        let _ = TfVars::parse("truncated", bytes);
    }
}
