//! The `copse` binary: logging, arguments, the runtime, then the window or a command.

use std::process::ExitCode;

use clap::Parser;
use copse::cli::{self, Cli};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COPSE_LOG")
                // A member being offline, or closing the app, is normal: samod's per-retry dial
                // warnings and its "error sending, closing connection" on every routine close stay
                // quiet. Our transport logs the connections that end badly. A document actor
                // stopping while a storage write completes (about one command in thirty) warns
                // "ignoring IO completion on stopped document actor": routine too. EnvFilter
                // picks events by target only, so that module speaks at error; storage damage is
                // still reported by our own store.
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new(
                        "warn,samod::io_loop=off,samod_core::actors::hub::state=error,\
                         samod_core::actors::document::document_actor=error",
                    )
                }),
        )
        .with_writer(std::io::stderr)
        .init();
    // Times are shown, and dates typed, in the viewer's zone (TZ, else the system's); before
    // the arguments are read, since a date among them is read in it.
    copse::model::local_time::set_viewer_zone(copse::model::local_time::Zone::system());
    let mut args = Cli::parse();
    // A testing aid: COPSE_NOW starts this process's clock at a given moment.
    args.clock = match copse::clock::Clock::from_env() {
        Ok(clock) => clock,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match &args.command {
        Some(command) => runtime.block_on(cli::run(&args, command)),
        None => args
            .launch()
            .and_then(|launch| copse::ui::run(&runtime, launch)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
