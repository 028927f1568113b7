//! `pluginctl build` against `dpkg-deb --build`, on generated trees, in one alternating run.
//!
//! Run it with `cargo bench --bench compare` (the full set: up to 1 GiB of trees, about
//! 75 minutes on two cores) or `cargo bench --bench compare -- --quick` (small trees, a
//! smoke test).
//! `-- --help` lists the options. It is not part of `cargo test`.
//!
//! Each tree is generated once, deterministically (a seeded generator, no download), and kept
//! under the work folder. Before every timed run, untimed: a hard-linked copy of the tree is
//! made for each side and `sync` is called. Then, alternating which side goes first:
//!
//! - pluginctl: `pluginctl build` of a plugin whose `rules package` moves its copy into
//!   `$pkgdir` with `mv`; pluginctl removes its staging folder itself.
//! - dpkg-deb: `dpkg-deb --root-owner-group -Z<c> -z<level> --build` of the other copy (with a
//!   `DEBIAN/control` added), then `rm -rf` of it.
//!
//! Wall time, CPU time (user + system, children included) and peak RSS (largest process) come
//! from `wait4`; the medians are printed as a markdown table.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const HELP: &str = "\
usage: cargo bench --bench compare -- [OPTIONS]

  --quick              small trees (a smoke test of a few minutes)
  --trees LIST         comma-separated: hello,files,web,large (default: all)
  --compressions LIST  comma-separated: xz,gzip9,gzip1,zstd3,zstd1,none (default: all)
  --runs N             timed runs of each side per cell (default 3; hello takes at least 11)
  --workdir DIR        where trees, copies and packages go (default: target/tmp/bench);
                       everything must be on one filesystem
  --pluginctl PATH     time this pluginctl binary instead of the one cargo built (an
                       older build, to compare two versions against dpkg-deb)
";

/// Bumped whenever the generator changes, so stale trees are regenerated.
const GENERATOR: u32 = 2;
const MIB: u64 = 1 << 20;

struct Options {
    quick: bool,
    trees: Vec<String>,
    compressions: Vec<String>,
    runs: usize,
    workdir: PathBuf,
    pluginctl: PathBuf,
}

fn parse_args() -> Options {
    let mut o = Options {
        quick: false,
        trees: ["hello", "files", "web", "large"]
            .map(String::from)
            .to_vec(),
        compressions: ["xz", "gzip9", "gzip1", "zstd3", "zstd1", "none"]
            .map(String::from)
            .to_vec(),
        runs: 3,
        workdir: Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench"),
        pluginctl: PathBuf::from(env!("CARGO_BIN_EXE_pluginctl")),
    };
    // `cargo bench` passes --bench; `cargo test --all-targets` runs bench binaries without
    // it, and must not start an hour of benchmarking.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("the comparison runs with `cargo bench --bench compare`");
        std::process::exit(0);
    }
    let mut args = std::env::args().skip(1);
    let list = |v: Option<String>| -> Vec<String> {
        v.unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => o.quick = true,
            "--trees" => o.trees = list(args.next()),
            "--compressions" => o.compressions = list(args.next()),
            "--runs" => o.runs = args.next().and_then(|v| v.parse().ok()).unwrap_or(3),
            "--workdir" => o.workdir = PathBuf::from(args.next().unwrap_or_default()),
            "--pluginctl" => o.pluginctl = PathBuf::from(args.next().unwrap_or_default()),
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            "-h" | "--help" => {
                print!("{HELP}");
                std::process::exit(0);
            }
            other => {
                eprintln!("unknown argument {other:?}\n{HELP}");
                std::process::exit(2);
            }
        }
    }
    o
}

// ---------------------------------------------------------------------------------------------
// Deterministic tree generation.

/// xoshiro256** seeded through splitmix64: fast, and the same bytes on every machine.
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            x ^ (x >> 31)
        };
        Rng([next(), next(), next(), next()])
    }

    fn next(&mut self) -> u64 {
        let s = &mut self.0;
        let out = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A size spread evenly on a log scale between `lo` and `hi`.
    fn log_size(&mut self, lo: u64, hi: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((lo as f64).ln() + u * ((hi as f64).ln() - (lo as f64).ln())).exp() as u64
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// Text that compresses like source code and web assets: lines drawn from a pool of
/// templates (the common ones often), some with a word changed or a number added.
struct TextGen {
    words: Vec<Vec<u8>>,
    lines: Vec<Vec<u8>>,
    zipf: Vec<u16>,
}

impl TextGen {
    fn new() -> TextGen {
        let mut rng = Rng::new(7);
        let syllables = [
            "ba", "co", "de", "fi", "gu", "ha", "je", "ki", "lo", "mu", "na", "pe", "qui", "ra",
            "se", "ti", "vo", "wa", "xe", "zu", "str", "ing", "tion", "er", "al", "ent", "or",
            "th", "sh", "ch", "un", "re",
        ];
        let mut words: Vec<Vec<u8>> = [
            "function", "return", "const", "this", "var", "if", "else", "the", "of", "and", "to",
            "in", "is", "for", "null", "true", "false", "new", "class", "import",
        ]
        .iter()
        .map(|w| w.as_bytes().to_vec())
        .collect();
        while words.len() < 4000 {
            let n = 1 + rng.below(4);
            let mut w = Vec::new();
            for _ in 0..n {
                w.extend_from_slice(
                    syllables[rng.below(syllables.len() as u64) as usize].as_bytes(),
                );
            }
            words.push(w);
        }
        // Zipf: rank r drawn with weight 1 / (r + 2), through a 64 Ki-entry table.
        let zipf_table = |n: usize| {
            let weights: Vec<f64> = (0..n).map(|r| 1.0 / (r as f64 + 2.0)).collect();
            let total: f64 = weights.iter().sum();
            let mut table = Vec::with_capacity(1 << 16);
            let mut acc = 0.0;
            for (i, w) in weights.iter().enumerate() {
                acc += w / total;
                while (table.len() as f64) < acc * 65536.0 && table.len() < 1 << 16 {
                    table.push(i as u16);
                }
            }
            while table.len() < 1 << 16 {
                table.push((n - 1) as u16);
            }
            table
        };
        let word_zipf = zipf_table(words.len());
        let seps: [&[u8]; 8] = [b" ", b" ", b" ", b", ", b"(", b") ", b" = ", b"."];
        let mut lines = Vec::new();
        for _ in 0..16000 {
            let mut line = Vec::new();
            for _ in 0..rng.below(4) {
                line.extend_from_slice(b"    ");
            }
            for _ in 0..3 + rng.below(10) {
                let r = rng.next();
                line.extend_from_slice(&words[word_zipf[(r & 0xffff) as usize] as usize]);
                line.extend_from_slice(seps[((r >> 16) % 8) as usize]);
            }
            line.extend_from_slice(b";\n");
            lines.push(line);
        }
        TextGen {
            words,
            lines,
            zipf: zipf_table(16000),
        }
    }

    fn write(&self, rng: &mut Rng, size: usize, out: &mut Vec<u8>) {
        out.clear();
        while out.len() < size {
            let r = rng.next();
            let line = &self.lines[self.zipf[(r & 0xffff) as usize] as usize];
            match (r >> 16) % 10 {
                // A fresh line.
                6 | 7 => {
                    for i in 0..3 + (r >> 24) % 8 {
                        let w = self.words
                            [((r >> (i * 3 + 20)) & 0xfff) as usize % self.words.len()]
                        .as_slice();
                        out.extend_from_slice(w);
                        out.push(if i % 4 == 3 { b'.' } else { b' ' });
                    }
                    out.extend_from_slice(b";\n");
                }
                // A word swapped: the line with a new word after its first space.
                0..=3 => {
                    let cut = line.iter().rposition(|&b| b == b' ').unwrap_or(0);
                    out.extend_from_slice(&line[..cut]);
                    out.push(b' ');
                    out.extend_from_slice(
                        &self.words[((r >> 24) % self.words.len() as u64) as usize],
                    );
                    out.extend_from_slice(b";\n");
                }
                4..=5 => {
                    out.extend_from_slice(&line[..line.len() - 2]);
                    let _ = writeln!(StrBuf(out), " {};", (r >> 24) % 100_000);
                }
                _ => out.extend_from_slice(line),
            }
        }
        out.truncate(size);
    }
}

struct StrBuf<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for StrBuf<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Content {
    Text,
    Random,
}

/// One generated file: where, how big, what kind of bytes.
struct Spec {
    path: String,
    size: u64,
    content: Content,
}

fn tree_specs(name: &str, quick: bool) -> Vec<Spec> {
    let scale = |full: u64, small: u64| if quick { small } else { full };
    let mut rng = Rng::new(name.bytes().fold(1, |h, b| h * 31 + u64::from(b)));
    let mut specs = Vec::new();
    let root = format!("usr/share/bench-{name}");
    match name {
        "hello" => {
            specs.push(Spec {
                path: "etc/asterisk/extensions_extra.d/helloworld.conf".into(),
                size: 120,
                content: Content::Text,
            });
        }
        "files" => {
            let count = scale(20_000, 2_000);
            for i in 0..count {
                specs.push(Spec {
                    path: format!("{root}/m{:03}/s{:02}/f{i:05}.txt", i / 400, (i / 40) % 10),
                    size: rng.log_size(256, 18 << 10),
                    content: Content::Text,
                });
            }
        }
        "web" => {
            let target = scale(300 * MIB, 30 * MIB);
            let mut total = 0;
            let mut i = 0;
            while total < target {
                let (ext, size, content) = match rng.below(10) {
                    0..=5 => {
                        let ext =
                            ["js", "css", "html", "json", "svg", "map"][rng.below(6) as usize];
                        (ext, rng.log_size(512, 1 << 20), Content::Text)
                    }
                    6..=8 => {
                        let ext = ["png", "jpg", "webp"][rng.below(3) as usize];
                        (ext, rng.log_size(2 << 10, 600 << 10), Content::Random)
                    }
                    _ => {
                        let ext = ["woff2", "gz", "br", "zip"][rng.below(4) as usize];
                        (ext, rng.log_size(8 << 10, 4 << 20), Content::Random)
                    }
                };
                specs.push(Spec {
                    path: format!("{root}/app{:02}/static/{ext}/a{i:05}.{ext}", i / 150),
                    size,
                    content,
                });
                total += size;
                i += 1;
            }
        }
        "large" => {
            let target = scale(1024 * MIB, 100 * MIB);
            let (lo, hi) = if quick {
                (2 * MIB, 16 * MIB)
            } else {
                (8 * MIB, 128 * MIB)
            };
            let (mut text, mut random) = (0u64, 0u64);
            let mut i = 0;
            while text + random < target {
                let size = rng.log_size(lo, hi).min(target - text - random).max(1);
                let content = if random <= text {
                    random += size;
                    Content::Random
                } else {
                    text += size;
                    Content::Text
                };
                let ext = match content {
                    Content::Random => "bin",
                    Content::Text => "sql",
                };
                specs.push(Spec {
                    path: format!("{root}/data/l{i:03}.{ext}"),
                    size,
                    content,
                });
                i += 1;
            }
        }
        other => {
            eprintln!("unknown tree {other:?} (hello, files, web, large)");
            std::process::exit(2);
        }
    }
    specs
}

/// Generates `name` under `dir/name` unless an up-to-date copy is there; returns its bytes.
fn ensure_tree(dir: &Path, name: &str, quick: bool) -> (PathBuf, u64, usize) {
    let specs = tree_specs(name, quick);
    let bytes: u64 = specs.iter().map(|s| s.size).sum();
    let tag = if quick { "quick" } else { "full" };
    let root = dir.join(format!("{name}-{tag}"));
    let stamp = dir.join(format!("{name}-{tag}.done"));
    let want = format!(
        "generator {GENERATOR}, {} files, {bytes} bytes\n",
        specs.len()
    );
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) {
        return (root, bytes, specs.len());
    }
    eprintln!(
        "generating tree {name} ({} files, {} MiB)...",
        specs.len(),
        bytes / MIB
    );
    let _ = std::fs::remove_dir_all(&root);
    let text = TextGen::new();
    let mut buf = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let mut rng = Rng::new(0x5eed_0000 + i as u64 * 7919 + u64::from(GENERATOR));
        let path = root.join(&spec.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut left = spec.size as usize;
        while left > 0 {
            let n = left.min(4 << 20);
            match spec.content {
                Content::Text => text.write(&mut rng, n, &mut buf),
                Content::Random => {
                    buf.resize(n, 0);
                    rng.fill(&mut buf);
                }
            }
            f.write_all(&buf).unwrap();
            left -= n;
        }
        f.flush().unwrap();
    }
    std::fs::write(&stamp, want).unwrap();
    (root, bytes, specs.len())
}

// ---------------------------------------------------------------------------------------------
// Timing.

#[derive(Clone, Copy, Default)]
struct Sample {
    wall: Duration,
    cpu: Duration,
    /// Peak RSS in KiB.
    rss: u64,
    size: u64,
}

/// Runs `cmd`, waits for it with `wait4`, asserts success; wall, CPU and peak RSS.
fn timed(cmd: &mut Command) -> Sample {
    let start = Instant::now();
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet reaped (std never waits on its own).
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(r, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?} failed (status {status:#x})"
    );
    std::mem::forget(child);
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Sample {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        rss: usage.ru_maxrss as u64,
        size: 0,
    }
}

fn sync() {
    // SAFETY: sync() takes no argument and cannot fail.
    unsafe { libc::sync() };
}

/// One compression setting: name shown, pluginctl and dpkg-deb arguments.
struct Setting {
    label: &'static str,
    compression: &'static str,
    level: Option<u32>,
}

fn setting(name: &str) -> Setting {
    let (label, compression, level) = match name {
        "xz" => ("xz -6", "xz", Some(6)),
        "gzip9" => ("gzip -9", "gzip", Some(9)),
        "gzip1" => ("gzip -1", "gzip", Some(1)),
        "zstd3" => ("zstd -3", "zstd", Some(3)),
        "zstd1" => ("zstd -1", "zstd", Some(1)),
        "none" => ("none", "none", None),
        other => {
            eprintln!("unknown compression {other:?}");
            std::process::exit(2);
        }
    };
    Setting {
        label,
        compression,
        level,
    }
}

struct Bench {
    work: PathBuf,
    plugin: PathBuf,
    pluginctl: PathBuf,
}

const EPOCH: &str = "1700000000";

impl Bench {
    fn new(work: &Path, pluginctl: &Path) -> Bench {
        let plugin = work.join("plugin");
        std::fs::create_dir_all(plugin.join("wazo")).unwrap();
        std::fs::write(
            plugin.join("wazo/plugin.yml"),
            "name: bench\nnamespace: speed\nversion: 1.0.0\nplugin_format_version: 1\n\
             display_name: Bench\ndescription: A benchmark payload.\n",
        )
        .unwrap();
        let rules = plugin.join("wazo/rules");
        std::fs::write(
            &rules,
            "#!/bin/sh\nset -e\ncase \"$1\" in\n    build) ;;\n    package) mv \"$BENCH_PAYLOAD\"/* \"$pkgdir\"/ ;;\nesac\n",
        )
        .unwrap();
        std::fs::set_permissions(&rules, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        std::fs::create_dir_all(work.join("tmp")).unwrap();
        Bench {
            work: work.to_path_buf(),
            plugin,
            pluginctl: pluginctl.to_path_buf(),
        }
    }

    /// A hard-linked copy of `tree` at `dest` (untimed).
    fn copy(&self, tree: &Path, dest: &Path) {
        let _ = std::fs::remove_dir_all(dest);
        let s = Command::new("cp")
            .arg("-al")
            .arg(tree)
            .arg(dest)
            .status()
            .unwrap();
        assert!(s.success());
    }

    fn run_pluginctl(&self, tree: &Path, s: &Setting) -> Sample {
        let payload = self.work.join("payload-p");
        let out = self.work.join("out-p");
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        self.copy(tree, &payload);
        std::fs::create_dir_all(self.work.join("tmp")).unwrap();
        sync();
        let mut cmd = Command::new(&self.pluginctl);
        cmd.arg("build")
            .arg(&self.plugin)
            .arg("-o")
            .arg(&out)
            .arg("-Z")
            .arg(s.compression)
            .arg("--quiet")
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .env("TMPDIR", self.work.join("tmp"))
            .env("BENCH_PAYLOAD", &payload)
            .stdout(std::process::Stdio::null());
        if let Some(l) = s.level {
            cmd.arg("-z").arg(l.to_string());
        }
        let mut sample = timed(&mut cmd);
        sample.size = std::fs::metadata(out.join("wazo-plugind-bench-speed_1.0.0_all.deb"))
            .unwrap()
            .len();
        let left: Vec<_> = std::fs::read_dir(self.work.join("tmp")).unwrap().collect();
        assert!(
            left.is_empty(),
            "pluginctl left its staging folder: {left:?}"
        );
        assert_eq!(std::fs::read_dir(&payload).unwrap().count(), 0);
        std::fs::remove_dir(&payload).unwrap();
        sample
    }

    /// What pluginctl adds to the payload (its `wazo/` folder, copyright, changelog, and the
    /// control files with md5sums), extracted from an uncompressed build (untimed): added to
    /// dpkg-deb's copy, it makes both packages carry the same files.
    fn overlay(&self, tree: &Path) -> PathBuf {
        let overlay = self.work.join("overlay");
        let _ = std::fs::remove_dir_all(&overlay);
        let none = setting("none");
        self.run_pluginctl(tree, &none);
        let deb = self
            .work
            .join("out-p/wazo-plugind-bench-speed_1.0.0_all.deb");
        let s = Command::new("dpkg-deb")
            .arg("--raw-extract")
            .arg(&deb)
            .arg(&overlay)
            .status()
            .unwrap();
        assert!(s.success());
        for entry in walkdir::WalkDir::new(tree).min_depth(1) {
            let entry = entry.unwrap();
            if !entry.file_type().is_dir() {
                let rel = entry.path().strip_prefix(tree).unwrap();
                std::fs::remove_file(overlay.join(rel)).unwrap();
            }
        }
        overlay
    }

    fn run_dpkg_deb(&self, tree: &Path, overlay: &Path, s: &Setting) -> Sample {
        let root = self.work.join("root-d");
        let out = self.work.join("out-d");
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        self.copy(tree, &root);
        let mut from = overlay.as_os_str().to_owned();
        from.push("/.");
        let st = Command::new("cp")
            .arg("-a")
            .arg(from)
            .arg(&root)
            .status()
            .unwrap();
        assert!(st.success());
        sync();
        let deb = out.join("bench.deb");
        let mut cmd = Command::new("dpkg-deb");
        cmd.arg("--root-owner-group")
            .arg(format!("-Z{}", s.compression));
        if let Some(l) = s.level {
            cmd.arg(format!("-z{l}"));
        }
        cmd.arg("--build")
            .arg(&root)
            .arg(&deb)
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .stdout(std::process::Stdio::null());
        let build = timed(&mut cmd);
        let rm = timed(Command::new("rm").arg("-rf").arg(&root));
        let size = std::fs::metadata(&deb).unwrap().len();
        std::fs::remove_dir_all(&out).unwrap();
        Sample {
            wall: build.wall + rm.wall,
            cpu: build.cpu + rm.cpu,
            rss: build.rss.max(rm.rss),
            size,
        }
    }
}

fn median(mut v: Vec<Sample>) -> Sample {
    let pick = |f: &dyn Fn(&Sample) -> u64, v: &mut Vec<Sample>| {
        v.sort_by_key(|s| f(s));
        f(&v[v.len() / 2])
    };
    Sample {
        wall: Duration::from_nanos(pick(&|s| s.wall.as_nanos() as u64, &mut v)),
        cpu: Duration::from_nanos(pick(&|s| s.cpu.as_nanos() as u64, &mut v)),
        rss: pick(&|s| s.rss, &mut v),
        size: pick(&|s| s.size, &mut v),
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

fn capture(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn main() {
    let o = parse_args();
    std::fs::create_dir_all(&o.workdir).unwrap();
    let work = o.workdir.canonicalize().unwrap();
    let bench = Bench::new(&work, &o.pluginctl);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_default();
    println!(
        "Machine: {} cores ({}), {}; {}; pluginctl {}.\n",
        capture("nproc", &[]),
        cpu,
        capture("uname", &["-sr"]),
        capture("dpkg-deb", &["--version"])
            .lines()
            .next()
            .unwrap_or(""),
        if o.pluginctl == Path::new(env!("CARGO_BIN_EXE_pluginctl")) {
            capture(
                "git",
                &[
                    "-C",
                    env!("CARGO_MANIFEST_DIR"),
                    "describe",
                    "--always",
                    "--dirty",
                ],
            )
        } else {
            o.pluginctl.display().to_string()
        },
    );
    println!(
        "Medians of {} alternating runs. Wall and CPU include the cleanup of the tree \
         (pluginctl: its staging folder; dpkg-deb: `rm -rf`); RSS is the largest process.\n",
        o.runs
    );
    println!("| tree | compression | pluginctl | dpkg-deb | dpkg-deb / pluginctl | CPU pluginctl | CPU dpkg-deb | RSS pluginctl (MiB) | RSS dpkg-deb (MiB) | size pluginctl | size dpkg-deb | size diff |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for name in &o.trees {
        let (tree, bytes, files) = ensure_tree(&work.join("trees"), name, o.quick);
        let runs = if name == "hello" {
            o.runs.max(11)
        } else {
            o.runs.max(1)
        };
        let overlay = bench.overlay(&tree);
        for c in &o.compressions {
            let s = setting(c);
            let (mut p, mut d) = (Vec::new(), Vec::new());
            for run in 0..runs {
                eprint!("\r{name} {} run {}/{runs}   ", s.label, run + 1);
                if run % 2 == 0 {
                    p.push(bench.run_pluginctl(&tree, &s));
                    d.push(bench.run_dpkg_deb(&tree, &overlay, &s));
                } else {
                    d.push(bench.run_dpkg_deb(&tree, &overlay, &s));
                    p.push(bench.run_pluginctl(&tree, &s));
                }
            }
            eprint!("\r{:40}\r", "");
            let (p, d) = (median(p), median(d));
            println!(
                "| {name} ({files} files, {} MiB) | {} | {} | {} | **{:.2}x** | {} | {} | {} | {} | {} | {} | {:+.2}% |",
                bytes.div_ceil(MIB),
                s.label,
                secs(p.wall),
                secs(d.wall),
                d.wall.as_secs_f64() / p.wall.as_secs_f64(),
                secs(p.cpu),
                secs(d.cpu),
                mib(p.rss),
                mib(d.rss),
                p.size,
                d.size,
                (p.size as f64 / d.size as f64 - 1.0) * 100.0,
            );
            std::io::stdout().flush().unwrap();
        }
    }
}
