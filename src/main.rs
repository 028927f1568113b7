//! The `pluginctl` binary: parse the command line, run, exit with the library's status, or
//! die by the signal that interrupted the run (after its cleanup), as a shell expects.

use clap::Parser;

fn main() {
    wazo_pluginctl::ui::signals::guard_standard_descriptors();
    let cli = wazo_pluginctl::cli::args::Cli::parse();
    let status = wazo_pluginctl::run(cli);
    wazo_pluginctl::ui::signals::die_if_pending();
    std::process::exit(status);
}
