//! The pins binary: parse the command line, run it, print the error chain once, exit 0, 1 or 2.
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = pins::cli::parse();
    match pins::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            eprintln!("error: {}", pins::error_chain(&error));
            pins::Outcome::Error.exit_code()
        }
    }
}
