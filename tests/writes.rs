//! The write property: a random edit (bump, bump --create, promote, promote --prune) of a pin file
//! in a random layout (one-line and multi-line maps, several entries per line, commas or none,
//! comments between entries, `=` or `:`, quoted keys, duplicate keys, CRLF, heredoc and nested
//! neighbours) leaves a file that pins and real Terraform read with exactly the intended values,
//! and changes no byte outside the edited entries. A third of the files are JSON var files
//! (`*.tfvars.json`, laid out by `writes/json.rs`).
//!
//! Seeded and deterministic: `PINS_WRITE_CASES` (default 600) cases from `PINS_WRITE_SEED`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;
#[path = "writes/json.rs"]
mod json;

use std::path::PathBuf;

use pins::config::Policy;
use pins::plan::{self, Guards, Target};
use pins::resolve::{file_pins, Origin, Pin};
use pins::tfvars::splice::quote;
use pins::tfvars::{Position, Span, TfVars};
use serde_json::{Map, Value};

/// splitmix64: small, seeded, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn version(&mut self) -> String {
        let v = format!("{}.{}.{}", self.below(4), self.below(12), self.below(30));
        if self.one_in(6) {
            format!("v{v}")
        } else {
            v
        }
    }
}

/// One entry of a generated map.
#[derive(Debug, Clone)]
struct Entry {
    key: String,
    quoted: bool,
    value: String,
    heredoc: bool,
}

/// One top-level attribute of a generated pin file.
#[derive(Debug, Clone)]
enum Attr {
    Pin(String, String),
    Map(String, Vec<Entry>),
    /// Not a pin (a nested object, a list, a heredoc of text): must come through untouched.
    Neighbour(String, String, Value),
}

/// How the file is written.
#[derive(Debug, Clone, Copy)]
struct Style {
    crlf: bool,
    bom: bool,
    final_newline: bool,
    json: bool,
}

fn key_text(rng: &mut Rng, e: &Entry) -> String {
    let _ = rng;
    if e.quoted {
        quote(&e.key)
    } else {
        e.key.clone()
    }
}

fn value_text(e: &Entry, eol: &str) -> String {
    if e.heredoc {
        format!("<<EOT{eol}{}{eol}EOT", e.value)
    } else {
        quote(&e.value)
    }
}

/// Renders a map in a random layout; every choice is one Terraform accepts.
fn render_map(rng: &mut Rng, entries: &[Entry], eol: &str) -> String {
    let one_line = !entries.iter().any(|e| e.heredoc) && rng.one_in(3);
    let assign = if rng.one_in(5) { ":" } else { "=" };
    let pad = rng.one_in(2);
    let width = entries.iter().map(key_len).max().unwrap_or(0);
    if one_line {
        let parts: Vec<String> = entries
            .iter()
            .map(|e| {
                format!(
                    "{}{} {assign} {}",
                    key_text(rng, e),
                    comment_inline(rng),
                    quote(&e.value)
                )
            })
            .collect();
        let trailing = if !parts.is_empty() && rng.one_in(3) { "," } else { "" };
        let sep = if rng.one_in(4) { " /* c */, " } else { ", " };
        let blank = if rng.one_in(3) { "" } else { " " };
        return format!("{{{blank}{}{trailing}{blank}}}", parts.join(sep));
    }
    let mut out = String::from("{");
    if rng.one_in(4) {
        out.push_str(" # opening");
    }
    out.push_str(eol);
    let mut i = 0;
    let all_commas = rng.one_in(2);
    while i < entries.len() {
        let on_line = if entries[i].heredoc {
            1
        } else {
            1 + rng.below(3).min(entries.len() - i - 1)
        };
        let line: Vec<&Entry> = entries[i..i + on_line].iter().collect();
        if line.iter().skip(1).any(|e| e.heredoc) {
            // A heredoc ends its own line; keep it first on a line.
            let first = entries[i].clone();
            out.push_str(&entry_line(rng, &[&first], assign, pad, width, all_commas, eol));
            i += 1;
            continue;
        }
        if rng.one_in(6) {
            out.push_str(&format!("  # about {}{eol}", entries[i].key.replace(['\r', '\n'], "")));
        }
        out.push_str(&entry_line(rng, &line, assign, pad, width, all_commas, eol));
        i += on_line;
    }
    if rng.one_in(5) {
        out.push_str(&format!("  // the end{eol}"));
    }
    let last_line = out[..out.len() - eol.len()].rsplit('\n').next().unwrap_or_default();
    let comment_ends_it = last_line.contains('#') || last_line.contains("//");
    if rng.one_in(6) && !entries.last().is_some_and(|e| e.heredoc) && !comment_ends_it && !entries.is_empty() {
        // The last entry shares the closing brace's line.
        let cut = out.len() - eol.len();
        out.truncate(cut);
        out.push_str(" }");
    } else {
        out.push('}');
    }
    out
}

fn key_len(e: &Entry) -> usize {
    if e.quoted {
        quote(&e.key).chars().count()
    } else {
        e.key.chars().count()
    }
}

fn comment_inline(rng: &mut Rng) -> &'static str {
    if rng.one_in(8) {
        " /* k */"
    } else {
        ""
    }
}

fn entry_line(
    rng: &mut Rng,
    line: &[&Entry],
    assign: &str,
    pad: bool,
    width: usize,
    all_commas: bool,
    eol: &str,
) -> String {
    let mut out = String::from("  ");
    for (j, e) in line.iter().enumerate() {
        let key = key_text(rng, e);
        let spaces = if pad && j == 0 && assign == "=" {
            " ".repeat(width - key_len(e) + 1)
        } else {
            " ".to_string()
        };
        let assign_gap = if assign == ":" { "" } else { spaces.as_str() };
        out.push_str(&format!("{key}{assign_gap}{assign} {}", value_text(e, eol)));
        let last = j + 1 == line.len();
        if e.heredoc {
            // The closing marker ends its line.
            break;
        }
        if rng.one_in(10) {
            out.push_str(" /* v */");
        }
        if !last {
            out.push_str(", ");
        } else if all_commas || rng.one_in(4) {
            out.push(',');
        }
    }
    if rng.one_in(5) && !line.iter().any(|e| e.heredoc) {
        out.push_str(" # note");
    }
    out.push_str(eol);
    out
}

fn render_file(rng: &mut Rng, attrs: &[Attr], style: Style) -> String {
    if style.json {
        return json::render_file(rng, attrs, style);
    }
    let eol = if style.crlf { "\r\n" } else { "\n" };
    let mut out = String::from(if style.bom { "\u{feff}" } else { "" });
    for a in attrs {
        if rng.one_in(4) {
            out.push_str(&format!("# section{eol}"));
        }
        match a {
            Attr::Pin(name, v) => out.push_str(&format!("{name} = {}", quote(v))),
            Attr::Map(name, entries) => out.push_str(&format!("{name} = {}", render_map(rng, entries, eol))),
            Attr::Neighbour(name, text, _) => out.push_str(&format!("{name} = {}", text.replace('\n', eol))),
        }
        let heredoc = matches!(a, Attr::Neighbour(_, t, _) if t.starts_with("<<"));
        if rng.one_in(5) && !heredoc {
            out.push_str(" # trailing");
        }
        out.push_str(eol);
    }
    // (Terraform needs a line break after a heredoc's closing marker, even at the end.)
    let heredoc_last = matches!(attrs.last(), Some(Attr::Neighbour(_, t, _)) if t.starts_with("<<"));
    if !style.final_newline && !heredoc_last {
        out.truncate(out.len() - eol.len());
    }
    out
}

fn neighbour(rng: &mut Rng, name: &str) -> Attr {
    match rng.below(3) {
        0 => Attr::Neighbour(
            name.into(),
            "{\n  inner = { deep = \"x\", n = 1 }\n  list  = [1, \"two\"]\n}".into(),
            serde_json::json!({"inner": {"deep": "x", "n": 1}, "list": [1, "two"]}),
        ),
        1 => Attr::Neighbour(
            name.into(),
            "<<-EOT\n  some = \"text\"\n  }\nEOT".into(),
            Value::String("some = \"text\"\n}\n".into()),
        ),
        _ => Attr::Neighbour(
            name.into(),
            "[\"a\", { b = \"c\" }]".into(),
            serde_json::json!(["a", {"b": "c"}]),
        ),
    }
}

const KEYS: [&str; 8] = [
    "lambda-x",
    "lambda-y",
    "api",
    "web_app",
    "x.y",
    "worker",
    "db-migrate",
    "z",
];

fn entries(rng: &mut Rng) -> Vec<Entry> {
    let n = rng.below(5);
    let mut out: Vec<Entry> = Vec::new();
    for _ in 0..n {
        let key = KEYS[rng.below(KEYS.len())].to_string();
        let duplicate = out.iter().any(|e| e.key == key);
        if duplicate && !rng.one_in(4) {
            continue;
        }
        out.push(Entry {
            quoted: key.contains('.') || rng.one_in(3),
            key,
            value: rng.version(),
            heredoc: rng.one_in(12),
        });
    }
    out
}

/// A random pin file of case `case`: variable names carry the case number so that many cases
/// can be checked by one Terraform run.
fn generate(rng: &mut Rng, case: usize) -> (Vec<Attr>, Style) {
    let mut attrs = Vec::new();
    for i in 0..1 + rng.below(4) {
        let name = format!("c{case}_v{i}");
        attrs.push(match rng.below(6) {
            0 | 1 => Attr::Pin(name, rng.version()),
            2 => neighbour(rng, &name),
            _ => Attr::Map(name, entries(rng)),
        });
    }
    let mut style = Style {
        crlf: rng.one_in(3),
        bom: rng.one_in(8),
        final_newline: !rng.one_in(6),
        json: false,
    };
    if rng.one_in(3) {
        // JSON has no heredocs, and Terraform refuses a byte-order mark or a key set twice.
        style = Style {
            json: true,
            bom: false,
            ..style
        };
        for attr in &mut attrs {
            if let Attr::Neighbour(_, _, value @ Value::String(_)) = attr {
                // A heredoc neighbour: as a JSON string it would read as a pin.
                *value = Value::Array(vec![value.clone()]);
            }
            if let Attr::Map(_, entries) = attr {
                let mut seen = Vec::new();
                entries.retain(|e| {
                    !seen.contains(&e.key) && {
                        seen.push(e.key.clone());
                        true
                    }
                });
                entries.iter_mut().for_each(|e| e.heredoc = false);
            }
        }
    }
    (attrs, style)
}

/// The values Terraform should read from the file, by variable.
fn expected(vars: &TfVars) -> Map<String, Value> {
    vars.iter().map(|a| (a.name.to_string(), a.value.to_json())).collect()
}

fn guards() -> Guards {
    Guards {
        allow_downgrade: true,
        allow_prerelease: true,
        shared: false,
        policy: Policy::default(),
    }
}

fn pin(variable: &str, key: Option<&str>, version: &str) -> Pin {
    Pin {
        name: key.unwrap_or(variable).into(),
        variable: variable.into(),
        key: key.map(Into::into),
        version: version.into(),
        origin: Origin {
            file: "source.tfvars".into(),
            position: Position { line: 1, col: 1 },
        },
    }
}

fn set(values: &mut Map<String, Value>, p: &Pin) {
    match &p.key {
        None => {
            values.insert(p.variable.to_string(), Value::String(p.version.to_string()));
        }
        Some(key) => {
            let map = values
                .entry(p.variable.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            map.as_object_mut()
                .unwrap()
                .insert(key.to_string(), Value::String(p.version.to_string()));
        }
    }
}

fn unset(values: &mut Map<String, Value>, p: &Pin) {
    match &p.key {
        None => {
            values.remove(&*p.variable);
        }
        Some(key) => {
            values[&*p.variable].as_object_mut().unwrap().remove(&**key);
        }
    }
}

/// One random edit: the planned new text and the values it must hold.
fn edit<'v>(
    rng: &mut Rng,
    vars: &'v TfVars,
    case: usize,
) -> Result<(plan::Plan<'v>, Map<String, Value>, String), String> {
    let mut values = expected(vars);
    let pins: Vec<Pin> = file_pins(vars).into_iter().filter(|p| !is_heredoc(vars, p)).collect();
    let maps: Vec<String> = vars
        .iter()
        .filter(|a| {
            a.value
                .entries()
                .is_some_and(|es| es.iter().all(|e| e.value.as_str().is_some()))
        })
        .map(|a| a.name.to_string())
        .collect();
    let choice = rng.below(4);
    if choice == 0 && !pins.is_empty() {
        let p = &pins[rng.below(pins.len())];
        let new = rng.version();
        let plan =
            plan::bump(vars, &p.id(), &Target::Exact(new.clone()), None, false, guards()).map_err(|e| e.to_string())?;
        set(&mut values, &pin(&p.variable, p.key.as_deref(), &new));
        return Ok((plan, values, format!("bump {} {new}", p.id())));
    }
    if choice == 1 {
        let new = rng.version();
        let name = match maps.first() {
            Some(m) if rng.one_in(2) => format!("{m}.new-{}", rng.below(3)),
            _ => format!("c{case}_new"),
        };
        if vars.get(&name).is_some() || pins.iter().any(|p| p.id() == name) {
            return Err("skip".into());
        }
        let mut pin_maps: Vec<String> = file_pins(vars)
            .iter()
            .filter(|p| p.key.is_some())
            .map(|p| p.variable.to_string())
            .collect();
        pin_maps.dedup();
        let (variable, key) = match (name.split_once('.'), pin_maps.as_slice()) {
            (Some((v, k)), _) => (v.to_string(), Some(k.to_string())),
            // A bare name goes into the file's only map of pins.
            (None, [only]) => (only.clone(), Some(name.clone())),
            (None, []) => (name.clone(), None),
            (None, _) => return Err("skip".into()),
        };
        let plan =
            plan::bump(vars, &name, &Target::Exact(new.clone()), None, true, guards()).map_err(|e| e.to_string())?;
        set(&mut values, &pin(&variable, key.as_deref(), &new));
        return Ok((plan, values, format!("bump {name} {new} --create")));
    }
    let prune = rng.one_in(2);
    let mut source: Vec<Pin> = Vec::new();
    for p in file_pins(vars) {
        let heredoc = is_heredoc(vars, &p);
        if heredoc && !prune {
            continue;
        }
        if heredoc || rng.one_in(3) {
            continue;
        }
        let version = if rng.one_in(2) {
            rng.version()
        } else {
            p.version.to_string()
        };
        source.push(pin(&p.variable, p.key.as_deref(), &version));
    }
    for m in &maps {
        if rng.one_in(2) {
            let key = format!("added-{}", rng.below(3));
            if !source
                .iter()
                .any(|p| p.variable.as_ref() == m && p.key.as_deref() == Some(&key))
            {
                source.push(pin(m, Some(&key), &rng.version()));
            }
        }
    }
    if rng.one_in(3) {
        source.push(pin(&format!("c{case}_fresh"), Some("k"), &rng.version()));
    }
    if rng.one_in(3) {
        source.push(pin(&format!("c{case}_top"), None, &rng.version()));
    }
    let existing = file_pins(vars);
    let plan = plan::promote(vars, &source, prune, guards()).map_err(|e| e.to_string())?;
    for p in &source {
        set(&mut values, p);
    }
    if prune {
        for p in existing.iter().filter(|e| !source.iter().any(|s| s.id() == e.id())) {
            unset(&mut values, p);
        }
    }
    let ids: Vec<String> = source.iter().map(|p| format!("{}={}", p.id(), p.version)).collect();
    Ok((plan, values, format!("promote {} prune={prune}", ids.join(","))))
}

fn is_heredoc(vars: &TfVars, p: &Pin) -> bool {
    pins::resolve::locate(vars, p).is_some_and(|n| n.form == pins::tfvars::Form::Heredoc)
}

/// The spans an edit may not touch: every key and value that stays, except a value being
/// replaced as a whole.
fn protected(old: &TfVars, plan: &plan::Plan) -> Vec<Span> {
    let removed: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.to.is_none())
        .map(|c| &*c.pin)
        .collect();
    let mut spans = Vec::new();
    let all = file_pins(old);
    for a in old.iter() {
        let attr_removed = removed.iter().any(|r| {
            all.iter()
                .any(|p| &*p.name == *r && p.key.is_none() && p.variable == a.name)
        });
        if attr_removed {
            continue;
        }
        spans.push(a.name_span);
        match a.value.entries() {
            Some(entries) if pins::resolve::is_pin_value(&a.value) => {
                for e in entries {
                    let gone = all.iter().any(|p| {
                        p.variable == a.name && p.key.as_deref() == Some(&*e.key) && removed.contains(&&*p.name)
                    });
                    if !gone {
                        spans.push(e.key_span);
                        spans.push(e.value.span);
                    }
                }
            }
            _ => spans.push(a.value.span),
        }
    }
    spans
}

fn check_edits(old: &TfVars, plan: &plan::Plan) -> Result<(), String> {
    for edit in &plan.edits {
        for span in protected(old, plan) {
            let replaces_value = edit.span == span && !edit.text.is_empty();
            let overlaps = edit.span.start() < span.end() && span.start() < edit.span.end();
            let inside = span.start() < edit.span.start() && edit.span.start() < span.end();
            if !replaces_value && (overlaps || inside) {
                return Err(format!(
                    "edit {:?} at {}..{} touches kept text {:?}",
                    edit.text,
                    edit.span.start(),
                    edit.span.end(),
                    &old.text()[span.start()..span.end()]
                ));
            }
        }
    }
    Ok(())
}

struct Case {
    json: bool,
    text: String,
    values: Map<String, Value>,
    label: String,
}

fn run_case(rng: &mut Rng, case: usize) -> Option<Case> {
    let (attrs, style) = generate(rng, case);
    let text = render_file(rng, &attrs, style);
    let file = if style.json { "gen.tfvars.json" } else { "gen.tfvars" };
    let old = TfVars::parse(file, text.clone().into_bytes())
        .unwrap_or_else(|e| panic!("case {case}: the generator wrote a file pins refuses: {e}\n{text}"));
    for a in &attrs {
        if let (Attr::Neighbour(name, _, value), false) = (a, style.crlf) {
            assert_eq!(old.get(name).unwrap().value.to_json(), *value, "case {case}:\n{text}");
        }
    }
    let (plan, values, label) = match edit(rng, &old, case) {
        Ok(done) => done,
        Err(e) if e == "skip" => return None,
        Err(e) => panic!("case {case}: the edit was refused: {e}\n{text}"),
    };
    let context = || format!("case {case}: {label}\n--- before\n{text}\n--- after\n{}", plan.new);
    let again = TfVars::parse(file, plan.new.clone().into_bytes())
        .unwrap_or_else(|e| panic!("{}\nthe edited file does not parse: {e}", context()));
    assert_eq!(expected(&again), values, "{}", context());
    if let Err(e) = check_edits(&old, &plan) {
        panic!("{}\n{e}", context());
    }
    Some(Case {
        json: style.json,
        text: plan.new.clone(),
        values,
        label: context(),
    })
}

fn cases() -> usize {
    std::env::var("PINS_WRITE_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(600)
}

#[test]
fn random_edits_of_random_layouts_keep_every_other_byte_and_read_back_as_intended() {
    let seed = std::env::var("PINS_WRITE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(17);
    let mut rng = Rng(seed);
    let done: Vec<Case> = (0..cases()).filter_map(|i| run_case(&mut rng, i)).collect();
    assert!(done.len() > cases() / 2, "too many skipped cases: {}", done.len());
    let Some(tf) = common::terraform() else { return };
    for batch in done.chunks(200) {
        terraform_agrees(&tf, batch);
    }
    eprintln!(
        "write property: {} edits ({} of JSON var files) checked by pins and Terraform (seed {seed})",
        done.len(),
        done.iter().filter(|c| c.json).count()
    );
}

/// One Terraform run over a batch of edited files (their variables do not overlap).
fn terraform_agrees(tf: &std::path::Path, batch: &[Case]) {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut variables: Vec<String> = Vec::new();
    for (i, case) in batch.iter().enumerate() {
        let extension = if case.json { "tfvars.json" } else { "tfvars" };
        let path = dir.path().join(format!("case{i}.{extension}"));
        std::fs::write(&path, &case.text).unwrap();
        files.push(path);
        variables.extend(case.values.keys().cloned());
    }
    let outputs = common::terraform_values(tf, &variables, &files);
    for case in batch {
        for (name, value) in &case.values {
            assert_eq!(
                outputs.get(name),
                Some(value),
                "Terraform reads {name} otherwise:\n{}",
                case.label
            );
        }
    }
}
