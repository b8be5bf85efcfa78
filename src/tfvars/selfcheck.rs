//! The reader's and the splice editor's invariants, checked on arbitrary input: by the fuzz target
//! (`fuzz/`), and by the regression tests over the inputs the fuzzer kept.
//!
//! 1. No input panics: it parses, or it is refused with a position.
//! 2. parse → splice-edit a string → parse gives the edited value, every other value unchanged,
//!    and every byte outside the edited span unchanged.
//! 3. The fast paths for plain literals read exactly what the general path reads: the same
//!    values, spans, forms and number precisions, or the same refusal.

use serde_json::Value as Json;

use crate::tfvars::splice::{apply, quote, replace_string};
use crate::tfvars::{Form, Node, TfVars, Value};

/// At most this many string values are edited per input, to keep each run short.
const MAX_EDITS: usize = 32;

/// Checks both invariants on `bytes`; the error says which one broke.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    same_as_general(bytes)?;
    let Ok(vars) = TfVars::parse("fuzz.tfvars", bytes.to_vec()) else {
        return Ok(());
    };
    let before = to_json(&vars);
    for attr in vars.iter() {
        let _ = vars.position(attr.value.span.end());
    }
    for (i, (node, path, visible)) in quoted_strings(&vars).into_iter().take(MAX_EDITS).enumerate() {
        let new = replacement(node.as_str().unwrap_or_default(), i);
        let edit = replace_string(node, &new).map_err(|e| format!("a quoted string was not editable: {e}"))?;
        let text = apply(vars.text(), &[edit]);
        let (start, end) = (node.span.start(), node.span.end());
        if text.get(..start) != vars.text().get(..start)
            || text.get(start + quote(&new).len()..) != vars.text().get(end..)
        {
            return Err(format!("bytes outside the edited span changed at {start}..{end}"));
        }
        let again = TfVars::parse("fuzz.tfvars", text.into_bytes())
            .map_err(|e| format!("the edited file no longer parses: {e}"))?;
        let mut expected = before.clone();
        if visible {
            set(&mut expected, &path, Json::from(new));
        }
        if to_json(&again) != expected {
            return Err(format!("editing {path:?} changed other values"));
        }
    }
    Ok(())
}

/// A new value that exercises escaping: quotes, backslashes, template marks, control characters.
fn replacement(old: &str, i: usize) -> String {
    const EXTRAS: [&str; 6] = ["1.2.3", "\"q\"", "back\\slash", "${x}", "%{y}", "tab\tnl\ncr\r"];
    format!(
        "{}{}",
        old.chars().rev().take(8).collect::<String>(),
        EXTRAS.get(i % EXTRAS.len()).copied().unwrap_or_default()
    )
}

/// A quoted string value, its JSON path (`["variable", "key", 0, …]`), and whether Terraform sees
/// it (false when a later duplicate key shadows it).
pub type StringAt<'a> = (&'a Node, Vec<Json>, bool);

/// Every quoted string value of a file, in file order.
pub fn quoted_strings(vars: &TfVars) -> Vec<StringAt<'_>> {
    let mut out = Vec::new();
    for attr in vars.iter() {
        walk(&attr.value, vec![Json::from(&*attr.name)], true, &mut out);
    }
    out
}

fn walk<'a>(node: &'a Node, path: Vec<Json>, visible: bool, out: &mut Vec<StringAt<'a>>) {
    match &node.value {
        Value::String(_) if node.form == Form::Quoted => out.push((node, path, visible)),
        Value::Object(entries) => {
            for (i, e) in entries.iter().enumerate() {
                let last = !entries.iter().skip(i + 1).any(|later| later.key == e.key);
                let mut p = path.clone();
                p.push(Json::from(&*e.key));
                walk(&e.value, p, visible && last, out);
            }
        }
        Value::Tuple(items) => {
            for (i, item) in items.iter().enumerate() {
                let mut p = path.clone();
                p.push(Json::from(i));
                walk(item, p, visible, out);
            }
        }
        _ => {}
    }
}

/// Replaces the value at a JSON path.
pub fn set(json: &mut Json, path: &[Json], value: Json) {
    let mut at = json;
    for step in path {
        at = match step {
            Json::String(k) => &mut at[k.as_str()],
            Json::Number(i) => &mut at[i.as_u64().unwrap_or(0) as usize],
            _ => return,
        };
    }
    *at = value;
}

/// Every attribute of a file as one JSON object, as Terraform would see them.
pub fn to_json(vars: &TfVars) -> Json {
    Json::Object(vars.iter().map(|a| (a.name.to_string(), a.value.to_json())).collect())
}

/// Invariant 3: `TfVars::parse` and `TfVars::parse_general` agree on `bytes`, down to each
/// node's span, form and number precision (compared through `Debug`, which shows them all).
pub fn same_as_general(bytes: &[u8]) -> Result<(), String> {
    let show = |read: Result<TfVars, crate::tfvars::SourceError>| match read {
        Ok(vars) => format!("{:?}", vars.iter().collect::<Vec<_>>()),
        Err(e) => format!("error: {e}"),
    };
    let fast = show(TfVars::parse("fuzz.tfvars", bytes.to_vec()));
    let general = show(TfVars::parse_general("fuzz.tfvars", bytes.to_vec()));
    if fast != general {
        return Err(format!("the fast path read {fast}\nthe general path read {general}"));
    }
    Ok(())
}
