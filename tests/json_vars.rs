//! JSON var files against real Terraform: handwritten cases for every rule of HCL's JSON syntax
//! (literal strings, numbers, null, escapes, duplicate keys, comments, commas, a byte-order mark,
//! invalid UTF-8, nesting) and generated ones, each a `vN.tfvars.json` file read by pins and by one
//! `terraform plan` per batch, compared value for value and type for type.
//!
//! A value must agree, or both must refuse it, or pins' refusal must be a documented one (its
//! message says what Terraform does and that pins refuses). `PINS_JSON_DIFF_VALUES` (default
//! 2000) and `PINS_JSON_DIFF_SEED` (default 3) size and replay the generated part.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::tfbatch::{
    disagreement, env_number, judge, module, planned, refused_files, terraform_command, Outcome, Verdict, BATCH,
};
use pins::tfvars::TfVars;
use serde_json::Value as Json;

fn pins_outcome(i: usize, bytes: &[u8]) -> Outcome {
    match TfVars::parse(&format!("v{i}.tfvars.json"), bytes.to_vec()) {
        Ok(vars) => match vars.get(&format!("v{i}")) {
            Some(attr) => Outcome::Value(attr.value.to_json(), attr.value.ty().to_json()),
            None => Outcome::Value(Json::Null, Json::from("dynamic")),
        },
        Err(e) => Outcome::Refused(e.to_string()),
    }
}

/// Plans with the given var-files: the outputs, and the files named by an error diagnostic
/// (Terraform reports some var-file errors and still plans).
fn plan(tf: &Path, dir: &Path, files: &BTreeSet<usize>) -> (Option<serde_json::Map<String, Json>>, BTreeSet<usize>) {
    let mut cmd = terraform_command(tf);
    cmd.arg(format!("-chdir={}", dir.display())).args([
        "plan",
        "-input=false",
        "-json",
        "-no-color",
        "-out=p.plan",
        "-lock=false",
    ]);
    for i in files {
        cmd.arg(format!("-var-file=v{i}.tfvars.json"));
    }
    let out = cmd.output().unwrap();
    let (refused, unnamed) = refused_files(&String::from_utf8_lossy(&out.stdout), ".tfvars.json");
    assert!(unnamed.is_empty(), "an error names no var-file: {unnamed:?}");
    if !out.status.success() {
        assert!(
            !refused.is_empty(),
            "terraform plan failed without naming a file:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        return (None, refused);
    }
    let show = terraform_command(tf)
        .arg(format!("-chdir={}", dir.display()))
        .args(["show", "-json", "p.plan"])
        .output()
        .unwrap();
    let plan: Json = serde_json::from_slice(&show.stdout).unwrap_or_else(|e| {
        panic!(
            "terraform show -json: {e} ({})\n{}\nplan said:\n{}",
            show.status,
            String::from_utf8_lossy(&show.stderr),
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let outputs = plan["planned_values"]["outputs"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    (Some(outputs), refused)
}

/// Terraform's outcome for every file of a batch.
fn terraform_outcomes(tf: &Path, dir: &Path, count: usize) -> Vec<Outcome> {
    let mut outcomes = vec![Outcome::Refused("terraform".into()); count];
    let mut files: BTreeSet<usize> = (0..count).collect();
    loop {
        let (outputs, refused) = plan(tf, dir, &files);
        files.retain(|i| !refused.contains(i));
        let Some(outputs) = outputs else { continue };
        for &i in &files {
            outcomes[i] = planned(&outputs, i);
        }
        return outcomes;
    }
}

/// Runs one batch of files; the disagreements, described.
fn run_batch(tf: &Path, files: &[Vec<u8>], tally: &mut BTreeMap<String, usize>) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    module(dir.path(), files.len());
    for (i, bytes) in files.iter().enumerate() {
        std::fs::write(dir.path().join(format!("v{i}.tfvars.json")), bytes).unwrap();
    }
    let terraform = terraform_outcomes(tf, dir.path(), files.len());
    let mut disagreements = Vec::new();
    for (i, bytes) in files.iter().enumerate() {
        let pins = pins_outcome(i, bytes);
        let verdict = judge(&pins, &terraform[i], |m| {
            m.contains("pins refuses") || m.contains("Terraform accepts")
        });
        *tally.entry(format!("{verdict:?}")).or_default() += 1;
        if verdict == Verdict::Disagree {
            disagreements.push(disagreement(bytes, &pins, &terraform[i]));
        }
    }
    disagreements
}

/// Handwritten files; `@` stands for the file's variable name.
const CASES: &[&str] = &[
    r#"{"@": "${1+1}"}"#,
    r#"{"@": "%{ if true }x%{ endif }$${a}"}"#,
    r#"{"@": {"${k}": "v"}}"#,
    r#"{"@": 1e5000}"#,
    r#"{"@": -1.5e-400}"#,
    r#"{"@": 123456789012345678901234567890.123456789}"#,
    r#"{"@": 0.1}"#,
    r#"{"@": -0}"#,
    r#"{"@": 1E+2}"#,
    r#"{"@": 01}"#,
    r#"{"@": +1}"#,
    r#"{"@": .5}"#,
    r#"{"@": 1.}"#,
    r#"{"@": NaN}"#,
    r#"{"@": True}"#,
    r#"{"@": null}"#,
    r#"{"@": [null, {"a": null}]}"#,
    r#"{"@": "1", "@": "2"}"#,
    r#"{"@": {"x": 1, "x": 2}}"#,
    r#"{"@": {"é": 1, "e\u0301": 2}}"#,
    r#"{"@": {"e\u0301": "e\u0301"}}"#,
    r#"{"@": "\ud800\u0041 \ud83d\ude00 \udc00 \/ \b\f\n\r\t \u0000"}"#,
    r#"{"@": "\x"}"#,
    r#"{"@": "\u12"}"#,
    "{\"@\": \"a\tb\"}",
    "{\"@\": \"a\u{7f}\u{85}\u{2028}b\"}",
    r#"[1]"#,
    r#""@""#,
    r#"{"@": 1} {}"#,
    r#"{"@": 1,}"#,
    r#"{"@": [1,]}"#,
    r#"{"@": [1}"#,
    r#"{"@": {"a": 1]}"#,
    r#"{"@" = 1}"#,
    r#"{@: 1}"#,
    r#"{'@': 1}"#,
    "{\"@\": 1 // comment\n}",
    "{\"@\": /* c */ 1}",
    "# c\n{\"@\": 1}",
    "\u{feff}{\"@\": 1}",
    "",
    "   ",
    "{\"@\": 1",
    "{\"@\": \"x",
    "{\"//\": \"a comment\", \"//\": 2, \"@\": {\"//\": 3}}",
    "{\"variable\": {\"x\": {}}, \"@\": 1}",
    "{\"variable\": {\"x\": [1]}, \"@\": 1}",
    "{\"variable\": [{\"x\": {}}], \"@\": 1}",
    "{\"a b\": 1, \"@\": 2}",
    "{\"\": 1, \"@\": 2}",
    "\r\n\t{\r\n\t\"@\"\r\n:\t[ ]\r\n}\r\n",
    "{\"@\":{}}",
    "{\"@\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
];

/// The handwritten cases' files, plus bytes that are not UTF-8.
fn handwritten() -> Vec<Vec<u8>> {
    let mut files: Vec<Vec<u8>> = CASES.iter().map(|c| c.as_bytes().to_vec()).collect();
    files.push(b"{\"@\": \"a\xffb\xe2\x82\"}".to_vec());
    files.push(b"{\"@\": {\"\xc3\": 1}}".to_vec());
    files.push(b"{\"@\": 1 \xff}".to_vec());
    files.push(b"{\"@\": \"\xed\xa0\x80\"}".to_vec());
    files
}

/// Gives each file its own variable name, `vN`.
fn named(files: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    files
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let name = format!("v{i}");
            let mut out = Vec::with_capacity(f.len());
            for &b in &f {
                if b == b'@' {
                    out.extend_from_slice(name.as_bytes());
                } else {
                    out.push(b);
                }
            }
            out
        })
        .collect()
}

fn compare(tf: &Path, files: Vec<Vec<u8>>, label: &str) {
    let mut tally = BTreeMap::new();
    let mut disagreements = Vec::new();
    let mut done = 0;
    for batch in files.chunks(BATCH) {
        disagreements.extend(run_batch(tf, &named(batch.to_vec()), &mut tally));
        done += batch.len();
    }
    eprintln!("JSON differential ({label}): {done} files: {tally:?}");
    assert!(
        disagreements.is_empty(),
        "{} of {done} files disagree:\n{}",
        disagreements.len(),
        disagreements.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn handwritten_json_var_files_agree_with_terraform() {
    let Some(tf) = common::terraform() else { return };
    compare(&tf, handwritten(), "handwritten");
}

/// Deep nesting, beyond what `terraform show -json` output can be parsed with here: each value
/// is compared as its `jsonencode` text from `terraform apply -json`.
#[test]
fn deeply_nested_json_values_agree_with_terraform() {
    let Some(tf) = common::terraform() else { return };
    let values = [
        format!("{}1{}", "[".repeat(1000), "]".repeat(1000)),
        format!("{}1{}", "{\"k\": ".repeat(500), "}".repeat(500)),
        format!("{}\"x\"{}", "[{\"a\": ".repeat(300), "}]".repeat(300)),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut main = String::new();
    let mut args = vec![
        "apply".to_string(),
        "-auto-approve".into(),
        "-input=false".into(),
        "-json".into(),
    ];
    for (i, value) in values.iter().enumerate() {
        main.push_str(&format!(
            "variable \"d{i}\" {{\n  type = any\n}}\noutput \"d{i}\" {{\n  value = jsonencode(var.d{i})\n}}\n"
        ));
        std::fs::write(
            dir.path().join(format!("d{i}.tfvars.json")),
            format!("{{\"d{i}\": {value}}}"),
        )
        .unwrap();
        args.push(format!("-var-file=d{i}.tfvars.json"));
    }
    std::fs::write(dir.path().join("main.tf"), main).unwrap();
    let stdout = common::terraform_run(&tf, dir.path(), &args);
    let outputs: serde_json::Map<String, Json> = stdout
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .find(|m| m["type"] == "outputs")
        .and_then(|m| m["outputs"].as_object().cloned())
        .expect("terraform apply reports its outputs");
    for (i, value) in values.iter().enumerate() {
        let file = format!("{{\"d{i}\": {value}}}");
        let vars = TfVars::parse("d.tfvars.json", file.into_bytes()).unwrap();
        let pins = serde_json::to_string(&vars.get(&format!("d{i}")).unwrap().value.to_json()).unwrap();
        assert_eq!(
            outputs[&format!("d{i}")]["value"].as_str(),
            Some(pins.as_str()),
            "nesting case {i}"
        );
    }
}

#[test]
fn generated_json_var_files_agree_with_terraform() {
    let Some(tf) = common::terraform() else { return };
    let total = env_number("PINS_JSON_DIFF_VALUES", 2000) as usize;
    let mut gen = Gen(env_number("PINS_JSON_DIFF_SEED", 3));
    let files: Vec<Vec<u8>> = (0..total).map(|_| gen.file()).collect();
    compare(&tf, files, "generated");
}

/// A seeded generator of JSON var files: mostly valid, with the mistakes people make.
struct Gen(u64);

impl Gen {
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

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn blank(&mut self) -> String {
        (0..self.below(3))
            .map(|_| self.pick(&[" ", " ", "\n", "\t", "\r\n", "\r"]))
            .collect()
    }

    fn file(&mut self) -> Vec<u8> {
        let mut out = String::from("{");
        if self.one_in(8) {
            out.push_str(&format!("{}\"//\":{}\"note\",", self.blank(), self.string()));
        }
        out.push_str(&format!(
            "{}\"@\"{}:{}{}{}",
            self.blank(),
            self.blank(),
            self.blank(),
            self.value(0),
            self.blank()
        ));
        out.push('}');
        out.push_str(self.pick(&["", "\n", "\r\n"]));
        let mut bytes = out.into_bytes();
        if self.one_in(25) {
            self.mistake(&mut bytes);
        }
        bytes
    }

    /// One edit that makes the file invalid, or tests an edge Terraform refuses.
    fn mistake(&mut self, bytes: &mut Vec<u8>) {
        let at = self.below(bytes.len());
        let insert: &[u8] = match self.below(6) {
            0 => b",",
            1 => b"//",
            2 => b"\xff",
            3 => b"\x01",
            4 => b"\\",
            _ => b"0",
        };
        bytes.splice(at..at, insert.iter().copied());
    }

    fn value(&mut self, depth: usize) -> String {
        let kind = if depth > 4 { self.below(4) } else { self.below(7) };
        match kind {
            0 => self.string(),
            1 => self.number(),
            2 => self.pick(&["true", "false", "null"]).to_string(),
            3 => self.string(),
            4 | 5 => self.object(depth),
            _ => self.array(depth),
        }
    }

    fn object(&mut self, depth: usize) -> String {
        let mut keys: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for _ in 0..self.below(4) {
            let key = if self.one_in(3) {
                self.string()
            } else {
                format!(
                    "\"{}\"",
                    self.pick(&["a", "b", "x.y", "lambda-x", "é", "e\\u0301", "//", ""])
                )
            };
            if keys.contains(&key) && !self.one_in(10) {
                continue;
            }
            keys.push(key.clone());
            let value = self.value(depth + 1);
            out.push(format!(
                "{}{key}{}:{}{value}{}",
                self.blank(),
                self.blank(),
                self.blank(),
                self.blank()
            ));
        }
        format!("{{{}{}}}", out.join(","), self.blank())
    }

    fn array(&mut self, depth: usize) -> String {
        let items: Vec<String> = (0..self.below(4))
            .map(|_| format!("{}{}{}", self.blank(), self.value(depth + 1), self.blank()))
            .collect();
        format!("[{}{}]", items.join(","), self.blank())
    }

    fn number(&mut self) -> String {
        let sign = self.pick(&["", "", "-"]);
        let int = match self.below(5) {
            0 => "0".to_string(),
            1 => format!("{}", self.below(10)),
            2 => format!("{}", self.next() % 1_000_000),
            3 => format!("{}", self.next()),
            _ => format!("{}{}", self.next(), self.next()),
        };
        let frac = match self.below(4) {
            0 => format!(".{}", self.next() % 1000),
            1 => format!(".{:020}", self.next()),
            _ => String::new(),
        };
        let exp = match self.below(6) {
            0 => format!("e{}", self.below(30)),
            1 => format!("E-{}", self.below(400)),
            2 => format!("e+{}", self.below(5000)),
            _ => String::new(),
        };
        format!("{sign}{int}{frac}{exp}")
    }

    fn string(&mut self) -> String {
        let mut out = String::from("\"");
        for _ in 0..self.below(8) {
            let piece = match self.below(14) {
                0 => "\\\"".to_string(),
                1 => "\\\\".to_string(),
                2 => self.pick(&["\\n", "\\t", "\\r", "\\b", "\\f", "\\/"]).to_string(),
                3 => format!("\\u{:04x}", self.below(0x10000)),
                4 => self
                    .pick(&["\\ud83d\\ude00", "\\ud800", "\\udfff", "\\ud800\\u0041"])
                    .to_string(),
                5 => self
                    .pick(&["é", "e\u{301}", "😀", "\u{7f}", "\u{2028}", "ﬁ"])
                    .to_string(),
                6 => self.pick(&["${x}", "%{ if true }", "$${", "~}"]).to_string(),
                _ => self.pick(&["a", "1", ".", "-", " ", "v", "Z"]).to_string(),
            };
            out.push_str(&piece);
        }
        out.push('"');
        out
    }
}
