//! Replays the inputs the fuzzer kept (fuzz/regressions/) through the same invariants the fuzz
//! target checks, so CI guards them without running the fuzzer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use pins::tfvars::selfcheck::check;

#[test]
fn every_kept_fuzz_input_holds_the_invariants() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        if let Err(broken) = check(&bytes) {
            panic!("{}: {broken}", path.display());
        }
        count += 1;
    }
    assert!(count >= 10, "only {count} regression inputs in {}", dir.display());
}

#[test]
fn the_invariants_hold_on_hand_written_edge_cases() {
    let cases: [&[u8]; 12] = [
        b"",
        b"\xef\xbb\xbf",
        b"a = \"\"",
        b"a = {\"\" = \"x\", \"\" = \"y\"}",
        b"a = [\"x\", [\"y\", {b = \"z\"}]]\r\n",
        b"a = \"\\u00e9$${x}%%{y}\"",
        b"a = <<EOT\n\"q\"\nEOT\nb = \"v\"",
        b"a = {\n  b = \"1\" # c\n  b = \"2\"\n}\n",
        b"a = (\"x\")",
        b"a = true ? \"x\" : \"y\"",
        b"\xff\xfe",
        b"a = \"\x00\"",
    ];
    for case in cases {
        check(case).unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(case)));
    }
}
