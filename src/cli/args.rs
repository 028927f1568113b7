//! The command line, as clap derive types: what the user typed, validated, no I/O.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Build, lint and inspect Debian packages of Wazo PBX plugins, without dpkg-deb.
#[derive(Debug, Parser)]
#[command(
    name = "pluginctl",
    version,
    about,
    long_about = None,
    max_term_width = 100,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Colour `warning:` and `error:` on a terminal (auto: when stderr is one and NO_COLOR
    /// is not set).
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        global = true
    )]
    pub(crate) color: ColorArg,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
// In the order of use (help and manual pages list them so): build, lint, inspect, new,
// index, market, then completions, man and help.
pub(crate) enum Command {
    /// Build a plugin checkout into a .deb (wazo/rules build, then package).
    Build(BuildArgs),
    /// Check plugin checkouts and .deb files; report every finding at once.
    Lint(LintArgs),
    /// Show what a .deb holds: control fields, scripts, plugin.yml and files.
    Inspect(InspectArgs),
    /// Create a new plugin skeleton that builds and lints clean as it is.
    New(NewArgs),
    /// Turn a folder of .deb files into a flat apt repository (Packages, Release).
    Index(IndexArgs),
    /// Print the plugin's Wazo market entry (JSON), or merge it into a market file.
    Market(MarketArgs),
    /// Print a shell completion script (bash, zsh, fish) on stdout.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on stdout, or write one page per command.
    Man(ManArgs),
    /// Print the help of pluginctl or of one of its commands.
    Help(HelpArgs),
}

/// Options of `pluginctl help` (an own command rather than clap's, so that
/// `pluginctl help --help` works as every other command's `--help` does).
#[derive(Debug, Args)]
pub(crate) struct HelpArgs {
    /// The command whose help to print.
    #[arg(value_name = "COMMAND")]
    pub(crate) command: Option<String>,
}

/// Options of `pluginctl lint`.
#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Plugin folders or .deb files; default: the nearest of the current folder and its
    /// parents that holds wazo/plugin.yml.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,

    /// Print one JSON document instead of text lines (short for --format json).
    #[arg(long, conflicts_with = "format")]
    pub(crate) json: bool,

    /// How to print the report: text, json, github (workflow commands), gitlab (Code
    /// Quality report) or junit (XML); the exit status is the same for each.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = LintFormat::Text)]
    pub(crate) format: LintFormat,

    /// Count warnings as errors (exit status 1).
    #[arg(long)]
    pub(crate) deny_warnings: bool,

    /// Also report plugins a Wazo server of this version (e.g. 24.16) refuses: it compares
    /// min/max_wazo_version with its version as text.
    #[arg(long, value_name = "VERSION")]
    pub(crate) wazo_version: Option<String>,

    /// Resolve each plugin's depends in this market document ({"items": [...]}) as the Wazo
    /// server does (with --wazo-version, against each version's min/max_wazo_version).
    #[arg(long, value_name = "FILE")]
    pub(crate) market: Option<PathBuf>,

    /// Explain a tag and exit.
    #[arg(long, value_name = "TAG", conflicts_with_all = ["list_tags", "json", "format", "deny_warnings", "wazo_version", "market"])]
    pub(crate) explain: Option<String>,

    /// List every tag with its severity and exit.
    #[arg(long, conflicts_with_all = ["json", "format", "deny_warnings", "wazo_version", "market"])]
    pub(crate) list_tags: bool,

    /// Accept every finding of TAG (repeatable); for one place, write
    /// `# pluginctl: allow TAG` on the line before it in wazo/rules or plugin.yml.
    #[arg(long, value_name = "TAG")]
    pub(crate) allow: Vec<String>,
}

/// How `lint` prints its report (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LintFormat {
    /// One line per finding, then a summary line.
    Text,
    /// One JSON document (same as --json).
    Json,
    /// GitHub Actions workflow commands (::error file=...,line=...::message).
    Github,
    /// A GitLab Code Quality report (JSON array).
    Gitlab,
    /// JUnit XML: one test case per input, a failure per error.
    Junit,
}

/// Options of `pluginctl build`.
#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// Plugin folders (each with wazo/plugin.yml and wazo/rules); default: the nearest of
    /// the current folder and its parents that holds wazo/plugin.yml.
    #[arg(value_name = "PLUGIN_DIR")]
    pub(crate) plugins: Vec<PathBuf>,

    /// Folder that receives the .deb (created when missing), or the .deb file itself when
    /// the path ends in .deb (one plugin only); default: the current folder, or the plugin
    /// folder when found from inside it.
    #[arg(short, long, value_name = "DIR|FILE.deb")]
    pub(crate) output: Option<PathBuf>,

    /// Compression of the control and data members.
    #[arg(short = 'Z', long, value_enum, default_value_t = CompressionArg::Xz)]
    pub(crate) compression: CompressionArg,

    /// Compression level (xz 0-9, default 6; gzip 1-9, default 9; zstd 1-19, default 3).
    #[arg(short = 'z', long, value_name = "N")]
    pub(crate) level: Option<u32>,

    /// Threads for compression, for walking the staged tree and for reading the files
    /// (default and 0: all cores); the output never depends on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=256))]
    pub(crate) threads: Option<u32>,

    /// The Maintainer field of the package [default: plugin.yml's author when it reads
    /// "Name <email>", else "Wazo Maintainers <dev+pkg@wazo.community>"]
    // The text above is clap's help, written as clap writes its defaults, not rustdoc markup.
    #[allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]
    #[arg(long, value_name = "NAME <EMAIL>")]
    pub(crate) maintainer: Option<String>,

    /// Print no progress and no output of steps that succeed (a failing rules step still
    /// shows its last lines).
    #[arg(short, long, conflicts_with = "verbose")]
    pub(crate) quiet: bool,

    /// Also show each step and its duration (-vv is accepted, as with cargo).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// After a plugin fails, go on with the others; report each plugin's result at the end.
    #[arg(short, long)]
    pub(crate) keep_going: bool,

    /// Stop before running the rules when `pluginctl lint` finds errors in the checkout
    /// (without it they are printed as warnings and the build goes on).
    #[arg(long)]
    pub(crate) deny_warnings: bool,

    /// Print one JSON document on stdout (each package's path, name, version, size,
    /// SHA-256 and plugin) instead of one path per line.
    #[arg(long)]
    pub(crate) json: bool,

    /// Build this branch or tag as a Wazo server installs it: `git clone --branch REF
    /// --depth 1` into a private temporary folder (as root, the steps run unprivileged).
    #[arg(long = "ref", value_name = "REF")]
    pub(crate) git_ref: Option<String>,

    /// With --ref: the repository to clone (anything `git clone` takes); default: the work
    /// tree of the plugin folder.
    #[arg(long, value_name = "URL", requires = "git_ref")]
    pub(crate) url: Option<std::ffi::OsString>,

    /// With --ref: take the plugin from this folder of the clone, as the server's
    /// `subdirectory` option does.
    #[arg(long, value_name = "DIR", requires = "git_ref")]
    pub(crate) subdirectory: Option<PathBuf>,
}

/// Options of `pluginctl inspect`.
#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The package to read.
    #[arg(value_name = "PKG.deb", value_hint = clap::ValueHint::FilePath)]
    pub(crate) deb: PathBuf,

    /// Print one JSON document instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Options of `pluginctl new`.
#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// The plugin's name (a-z, 0-9 and -).
    #[arg(value_name = "NAME")]
    pub(crate) name: String,

    /// The plugin's namespace (a-z and 0-9).
    #[arg(short, long, value_name = "NS")]
    pub(crate) namespace: String,

    /// Folder to create (default: ./NAME); must be missing or empty.
    #[arg(value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,

    /// plugin_format_version of the skeleton (1 adds the postrm command).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub(crate) format: u8,
}

/// Options of `pluginctl index`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("signing").args(["sign", "sign_with"]))]
pub(crate) struct IndexArgs {
    /// Folder holding the .deb files; Packages, Packages.gz and Release are written there.
    #[arg(value_name = "DIR", default_value = ".")]
    pub(crate) dir: PathBuf,

    /// Sign Release with this OpenPGP secret key (armored or binary): also writes
    /// InRelease and Release.gpg.
    #[arg(long, value_name = "KEYFILE", conflicts_with = "sign_with")]
    pub(crate) sign: Option<PathBuf>,

    /// The passphrase of a protected KEYFILE or KEYID, in this file (else read from the
    /// PLUGINCTL_KEY_PASSPHRASE environment variable; never an argument).
    #[arg(long, value_name = "FILE", requires = "signing")]
    pub(crate) passphrase_file: Option<PathBuf>,

    /// Sign Release through the system's gpg with this key (gpg-agent, smartcard), as
    /// --sign does with a key file.
    #[arg(long, value_name = "KEYID", conflicts_with = "sign")]
    pub(crate) sign_with: Option<String>,

    /// Add Valid-Until to Release, this many days from the time of this run (apt then
    /// refuses a repository not re-indexed in time: a replayed old index is caught).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub(crate) valid_for: Option<u32>,

    /// Origin field of Release (what servers pin on: Pin: release o=TEXT); kept from the
    /// previous Release when not given.
    #[arg(long, value_name = "TEXT")]
    pub(crate) origin: Option<String>,

    /// Label field of Release; kept from the previous Release when not given.
    #[arg(long, value_name = "TEXT")]
    pub(crate) label: Option<String>,

    /// Suite field of Release (one word, such as stable); kept when not given.
    #[arg(long, value_name = "TEXT")]
    pub(crate) suite: Option<String>,

    /// Codename field of Release (one word); kept when not given.
    #[arg(long, value_name = "TEXT")]
    pub(crate) codename: Option<String>,

    /// List only the newest N versions of each package (dpkg order); files are never deleted.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) keep: Option<u32>,

    /// A wazo-plugind-* dependency that no package of the repository satisfies is an error
    /// (nothing is written), not a warning.
    #[arg(long)]
    pub(crate) strict: bool,

    /// Print nothing but errors (not even the paths written).
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// Options of `pluginctl market`.
#[derive(Debug, Args)]
pub(crate) struct MarketArgs {
    /// The plugin folder (with wazo/plugin.yml); default: the nearest of the current
    /// folder and its parents that holds wazo/plugin.yml.
    #[arg(value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,

    /// The git URL the Wazo server clones (default: the origin remote of DIR's work tree).
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,

    /// The git ref it checks out (default: the tag at HEAD, else the version).
    #[arg(long = "ref", value_name = "REF")]
    pub(crate) git_ref: Option<String>,

    /// Add or replace this version in a market document ({"items": [...]}) instead of printing.
    #[arg(long, value_name = "FILE")]
    pub(crate) into: Option<PathBuf>,

    /// The plugin's folder inside the repository, for servers to take it from (Wazo 25.08
    /// and later read it).
    #[arg(long, value_name = "DIR")]
    pub(crate) subdirectory: Option<String>,
}

/// Options of `pluginctl completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: ShellArg,
}

/// Shells completions are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ShellArg {
    /// GNU bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
}

/// Options of `pluginctl man`.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Write pluginctl.1 and one pluginctl-COMMAND.1 per command into this folder instead.
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
}

/// Compressions a .deb member can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CompressionArg {
    /// xz (LZMA2), what dpkg-deb uses by default.
    Xz,
    /// gzip (deflate).
    Gzip,
    /// zstd (needs dpkg 1.21.18 or later on the target).
    Zstd,
    /// No compression.
    None,
}

/// When to colour `warning:` and `error:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}
