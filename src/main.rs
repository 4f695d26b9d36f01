//! The `trailcut` binary: parse the command line, run it, turn the outcome into an exit
//! status. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = trailcut::cli::Cli::parse();
    match trailcut::cli::run(cli) {
        Ok(status) => status.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            trailcut::cli::Status::Error.into()
        }
    }
}
