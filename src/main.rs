//! The `pluginctl` binary: parse the command line, run, exit with the library's status.

use clap::Parser;

fn main() {
    let cli = wazo_pluginctl::cli::Cli::parse();
    std::process::exit(wazo_pluginctl::run(cli));
}
