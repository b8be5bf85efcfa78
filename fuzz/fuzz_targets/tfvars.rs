//! Fuzz target: the tfvars reader and the splice editor (see `pins::tfvars::selfcheck`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = pins::tfvars::selfcheck::check(data) {
        panic!("invariant broken: {broken}");
    }
});
