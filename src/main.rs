//! The `pluginctl` binary: parse the command line, run, exit with the library's status, or
//! die by the signal that interrupted the run (after its cleanup), as a shell expects.

fn main() {
    wazo_pluginctl::ui::signals::guard_standard_descriptors();
    let status = match wazo_pluginctl::cli::parse() {
        Ok(cli) => wazo_pluginctl::commands::run(cli),
        Err(status) => status,
    };
    wazo_pluginctl::ui::signals::die_if_pending();
    std::process::exit(status);
}
