//! Generates a synthetic pins repository for benchmarks: N pins in one map or as top-level
//! attributes, three environments, M data variables, optional comments; deterministic from a seed.
//!
//! `cargo run --release --example generate -- --pins 200 --data 50 --layout map --seed 1 --out DIR`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use std::fmt::Write as _;
use std::path::PathBuf;

/// A tiny deterministic generator (xorshift64*), so that no dependency is needed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Options {
    pins: usize,
    data: usize,
    top_level: bool,
    comments: bool,
    seed: u64,
    out: PathBuf,
}

const USAGE: &str = "usage: generate [--pins N] [--data M] [--layout map|top] [--comments] [--seed S] [--out DIR]\n";

/// Prints what is wrong and the usage, and exits 2.
fn usage_error(message: &str) -> ! {
    eprint!("error: {message}\n{USAGE}");
    std::process::exit(2)
}

fn number(value: &str, what: &str) -> usize {
    value
        .parse()
        .unwrap_or_else(|_| usage_error(&format!("{what} takes a number, not `{value}`")))
}

fn options() -> Options {
    let mut o = Options {
        pins: 200,
        data: 50,
        top_level: false,
        comments: false,
        seed: 1,
        out: PathBuf::from("bench-repo"),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--help" | "-h" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            "--pins" => o.pins = number(&value, "--pins N"),
            "--data" => o.data = number(&value, "--data M"),
            "--layout" => o.top_level = value == "top",
            "--seed" => o.seed = number(&value, "--seed S") as u64,
            "--out" => o.out = PathBuf::from(value),
            "--comments" => {
                o.comments = true;
                i -= 1;
            }
            other => usage_error(&format!("unknown argument {other}")),
        }
        i += 2;
    }
    o
}

fn version(rng: &mut Rng) -> (u64, u64, u64) {
    (rng.below(5), rng.below(20), rng.below(30))
}

/// The pin file text; `ahead` marks the pins whose minor version is one ahead.
fn pin_file(o: &Options, versions: &[(u64, u64, u64)], ahead: &[bool]) -> String {
    let mut out = String::from("# generated pins\n");
    if !o.top_level {
        out.push_str("artifact_versions = {\n");
    }
    for i in 0..o.pins {
        let (ma, mi, pa) = versions[i];
        let v = if ahead[i] {
            format!("{ma}.{}.0", mi + 1)
        } else {
            format!("{ma}.{mi}.{pa}")
        };
        if o.comments && i % 5 == 0 {
            let _ = writeln!(out, "  # artifact {i}");
        }
        if o.top_level {
            let _ = writeln!(out, "artifact_{i:06} = \"{v}\"");
        } else {
            let _ = writeln!(out, "  artifact-{i:06} = \"{v}\"");
        }
    }
    if !o.top_level {
        out.push_str("}\n");
    }
    out
}

fn data_file(o: &Options, env: &str) -> String {
    let mut out = format!("# environment data of {env}\n");
    for i in 0..o.data {
        match i % 3 {
            0 => {
                let _ = writeln!(out, "endpoint_{i:04} = \"svc-{i}.{env}.internal\"");
            }
            1 => {
                let _ = writeln!(out, "capacity_{i:04} = {}", i * 2 + 1);
            }
            _ => {
                let _ = writeln!(
                    out,
                    "settings_{i:04} = {{\n  bucket = \"{env}-code-{i}\"\n  enabled = true\n}}"
                );
            }
        }
    }
    out
}

/// A module declaring every variable (type any) and outputting the pins, for timing Terraform.
fn module(o: &Options) -> String {
    let mut out = String::new();
    let mut declare = |name: &str| {
        let _ = writeln!(out, "variable \"{name}\" {{\n  type    = any\n  default = null\n}}");
    };
    if o.top_level {
        (0..o.pins).for_each(|i| declare(&format!("artifact_{i:06}")));
    } else {
        declare("artifact_versions");
    }
    for i in 0..o.data {
        let prefix = ["endpoint", "capacity", "settings"][i % 3];
        declare(&format!("{prefix}_{i:04}"));
    }
    if !o.top_level {
        out.push_str("output \"artifact_versions\" {\n  value = var.artifact_versions\n}\n");
    }
    out
}

fn main() {
    let o = options();
    let mut rng = Rng(o.seed.max(1).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let write = |rel: &str, text: &str| {
        let path = o.out.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let versions: Vec<_> = (0..o.pins).map(|_| version(&mut rng)).collect();
    // Development is ahead of the release file on about one pin in ten.
    let ahead: Vec<bool> = (0..o.pins).map(|_| rng.below(10) == 0).collect();
    let shared = pin_file(&o, &versions, &vec![false; o.pins]);
    let dev = pin_file(&o, &versions, &ahead);
    write("shared-release.tfvars", &shared);
    write("development.tfvars", &dev);
    for env in ["development", "staging", "production"] {
        write(&format!("data.d/{env}.tfvars"), &data_file(&o, env));
        write(
            &format!("setup/backends/{env}.tfbackend"),
            &format!("path = \"{env}.tfstate\"\n"),
        );
    }
    write("main.tf", &module(&o));
}
