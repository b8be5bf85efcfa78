use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = pins::cli::Cli::parse();
    match pins::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            eprintln!("error: {}", pins::error_chain(&error));
            pins::Outcome::Error.exit_code()
        }
    }
}
