//! The command line, as clap derive types: what the user typed, validated, no I/O.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Build, lint and inspect Debian packages of Wazo PBX plugins, without dpkg-deb.
#[derive(Debug, Parser)]
#[command(name = "pluginctl", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build a plugin checkout into a .deb (wazo/rules build, then package).
    Build(BuildArgs),
}

/// Options of `pluginctl build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Plugin folders (each with wazo/plugin.yml and wazo/rules).
    #[arg(value_name = "PLUGIN_DIR", default_value = ".")]
    pub plugins: Vec<PathBuf>,

    /// Folder that receives the .deb (created when missing).
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub output: PathBuf,

    /// Compression of the control and data members.
    #[arg(short = 'Z', long, value_enum, default_value_t = CompressionArg::Xz)]
    pub compression: CompressionArg,

    /// Compression level (xz 0-9, default 6; gzip 1-9, default 9; zstd 1-19, default 3).
    #[arg(short = 'z', long, value_name = "N")]
    pub level: Option<u32>,

    /// Compression threads (default: all cores); the output never depends on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub threads: Option<u32>,

    /// The Maintainer field of the package.
    #[arg(long, value_name = "NAME <EMAIL>", default_value = crate::deb::control::DEFAULT_MAINTAINER)]
    pub maintainer: String,

    /// Print no progress and no rules output.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Compressions a .deb member can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompressionArg {
    /// xz (LZMA2), what dpkg-deb uses by default.
    Xz,
    /// gzip (deflate).
    Gzip,
    /// zstd (needs dpkg 1.21.18 or later on the target).
    Zstd,
    /// No compression.
    None,
}
