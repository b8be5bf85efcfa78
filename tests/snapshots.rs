//! Snapshot cases of what people read: every command's text, markdown and error output, exactly,
//! with its exit code. Each `tests/cmd/NAME.md` runs its `$ pins …` lines in `NAME.in/` (in a
//! sandbox copy when `NAME.out/` exists, which then holds the files as the last command leaves
//! them). The clock is `PINS_NOW=2026-11-27T18:00:00Z`. `TRYCMD=overwrite cargo test --test snapshots` rewrites the expected output.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .default_bin_name("pins")
        .env("NO_COLOR", "1")
        .env("PINS_NOW", "2026-11-27T18:00:00Z")
        .case("tests/cmd/*.md");
}
