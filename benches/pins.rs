//! In-process figures (criterion): reading, resolving, diffing and editing large pin files.
//! Whole-process timings against the alternatives are in `bench/run`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pins::diff::compare_pins;
use pins::resolve::{file_pins, locate};
use pins::tfvars::splice::{apply, replace_string};
use pins::tfvars::TfVars;

fn map_file(n: usize, shift: usize) -> String {
    let mut text = String::from("artifact_versions = {\n");
    for i in 0..n {
        text.push_str(&format!(
            "  artifact-{i:06} = \"{}.{}.{}\"\n",
            i % 5,
            (i + shift) % 20,
            i % 30
        ));
    }
    text.push_str("}\n");
    text
}

fn top_file(n: usize) -> String {
    (0..n)
        .map(|i| format!("artifact_{i:06} = \"{}.{}.{}\"\n", i % 5, i % 20, i % 30))
        .collect()
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for n in [1_000, 10_000, 100_000] {
        for (layout, text) in [("map", map_file(n, 0)), ("top", top_file(n))] {
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_with_input(BenchmarkId::new(layout, n), &text, |b, text| {
                b.iter(|| TfVars::parse("bench.tfvars", text.clone().into_bytes()).unwrap())
            });
        }
    }
    group.finish();
}

fn diff(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse+diff");
    for n in [1_000, 10_000] {
        let (a, b) = (map_file(n, 0), map_file(n, 1));
        group.bench_function(BenchmarkId::from_parameter(n), |bench| {
            bench.iter(|| {
                let va = TfVars::parse("a", a.clone().into_bytes()).unwrap();
                let vb = TfVars::parse("b", b.clone().into_bytes()).unwrap();
                compare_pins(&file_pins(&va), &file_pins(&vb), false).changes.len()
            })
        });
    }
    group.finish();
}

fn bump(c: &mut Criterion) {
    let text = map_file(10_000, 0);
    c.bench_function("parse+splice one pin of 10k", |b| {
        b.iter(|| {
            let vars = TfVars::parse("a", text.clone().into_bytes()).unwrap();
            let pins = file_pins(&vars);
            let node = locate(&vars, &pins[5_000]).unwrap();
            apply(vars.text(), &[replace_string(node, "9.9.9").unwrap()]).len()
        })
    });
}

criterion_group!(benches, parse, diff, bump);
criterion_main!(benches);
