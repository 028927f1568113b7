//! Fuzz targets: every parser of untrusted bytes (plugin.yml, a `.deb` as `inspect`, `index`
//! and `lint` read it, a control file), as plain functions.
//!
//! `fuzz/` (cargo fuzz, libFuzzer) and the seeded mutation fuzzer in this module's tests call
//! the same functions, so a crash found by one is replayed by the other. A target must never
//! panic, hang or grow memory without bound, whatever the input; it returns nothing.
//! Compiled only for tests and under `--cfg fuzzing` (set by cargo fuzz): not part of the
//! library's API.

use crate::deb::reader::{self, ArReader, TarReader};
use std::io::Read;

/// Most members of one `.deb` looked at (dpkg has three).
const MAX_MEMBERS: usize = 16;
/// Most tar entries of one member looked at.
const MAX_ENTRIES: usize = 4096;
/// Most decompressed bytes read from one member (a bomb is streamed, but time is bounded).
const MAX_MEMBER_OUTPUT: u64 = 64 << 20;

/// The fields pluginctl writes; any other line of the control file would be an injection.
const CONTROL_FIELDS: &[&str] = &[
    "Package",
    "Version",
    "Architecture",
    "Maintainer",
    "Installed-Size",
    "Depends",
    "Section",
    "Priority",
    "Homepage",
    "Description",
];

/// The manifest parser and validator, as `build` and `lint` use them.
pub fn manifest(data: &[u8]) {
    let Ok(tree) = crate::plugin::manifest::parse_bytes(data) else {
        return;
    };
    match crate::plugin::manifest::from_tree(&tree) {
        Ok(m) => {
            // A valid manifest must give control text that cannot start a new field.
            let control = crate::package::control::control_file(&m, "A <a@b.c>", 1);
            let mut seen = Vec::new();
            for line in control.lines().filter(|l| !l.starts_with(' ')) {
                let name = line.split_once(": ").map_or(line, |(n, _)| n);
                assert!(
                    CONTROL_FIELDS.contains(&name) && !seen.contains(&name),
                    "the manifest injected a control line: {line:?}"
                );
                seen.push(name);
            }
            let _ = crate::package::pipeline::file_name(&m);
        }
        Err(diags) => assert!(!diags.is_empty(), "an invalid manifest without a reason"),
    }
}

/// The `.deb` reader: ar members, decompression, tar entries, every byte of data drained.
pub fn deb(data: &[u8]) {
    let Ok(mut ar) = ArReader::new(data) else {
        return;
    };
    for _ in 0..MAX_MEMBERS {
        let member = match ar.next_member() {
            Ok(Some(m)) => m,
            _ => return,
        };
        let Some(algorithm) = reader::algorithm_of(&member.name) else {
            continue;
        };
        let body = ar.data(&member);
        let Ok(decoded) = reader::decompress(algorithm, body) else {
            continue;
        };
        let mut tar = TarReader::new(decoded.take(MAX_MEMBER_OUTPUT));
        for _ in 0..MAX_ENTRIES {
            match tar.next_entry() {
                Ok(Some(entry)) => {
                    let drained = if entry.path.ends_with("control") {
                        reader::read_text(&mut tar, 1 << 20).map(|t| t.len() as u64)
                    } else {
                        std::io::copy(&mut tar, &mut std::io::sink())
                    };
                    if drained.is_err() {
                        break;
                    }
                }
                _ => break,
            }
        }
    }
}

/// A file holding `data`, for the readers that take a path: one memory file per process
/// (memfd), rewritten for each input and opened again through `/proc/self/fd`. A file in
/// the temporary folder cost a disk write per input (40 executions per second).
fn as_file(data: &[u8]) -> std::path::PathBuf {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    static FILE: std::sync::OnceLock<std::fs::File> = std::sync::OnceLock::new();
    let file = FILE.get_or_init(|| {
        let fd = rustix::fs::memfd_create("pluginctl-fuzz", rustix::fs::MemfdFlags::CLOEXEC)
            .expect("no memory file for the fuzz input");
        std::fs::File::from(fd)
    });
    let mut handle = file;
    file.set_len(0)
        .expect("the fuzz input file cannot be emptied");
    std::io::Seek::rewind(&mut handle).expect("the fuzz input file cannot be rewound");
    handle
        .write_all(data)
        .expect("the fuzz input file cannot be written");
    std::path::PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()))
}

/// The package reader behind `inspect` and `index`: the whole package, then the listing.
pub fn package_info(data: &[u8]) {
    let path = as_file(data);
    if let Ok(info) = crate::package::info::read_package(&path) {
        let _ = crate::commands::inspect::render_text(&info);
    }
}

/// `lint`'s package pass: every finding of a `.deb`, rendered as text.
pub fn lint_package(data: &[u8]) {
    let path = as_file(data);
    let report = crate::lint::lint_path(&path, &crate::lint::Options::default());
    for f in &report.findings {
        let line = format!("{f:?}");
        assert!(!line.is_empty());
    }
}

/// The one control-file parser (inspect, index and lint), and lint's field checks on it.
pub fn control(data: &[u8]) {
    let _ = crate::deb::deb822::parse_one(data);
    let place = crate::lint::Place::file("control");
    let mut findings = crate::lint::Findings::default();
    let control = crate::lint::control::parse(data, &place, &mut findings);
    crate::lint::control::check(&control, &place, &mut findings);
}

/// The manifest a market document is checked against: two dependencies, one with a version,
/// and its own entry (`acme/hello`) for the subdirectory check.
const MARKET_MANIFEST: &[u8] = b"name: hello
namespace: acme
version: \"1.0.2\"
depends:
  - name: dep
    namespace: acme
    version: \"2.0\"
  - name: other
    namespace: acme
";

/// A market document, as `lint --market` resolves a manifest's `depends` against it (at no,
/// an old and a new Wazo version), and as `market --into` writes it back.
pub fn market_document(data: &[u8]) {
    let tree = crate::plugin::manifest::parse_bytes(MARKET_MANIFEST)
        .expect("the market target's manifest parses");
    let path = as_file(data);
    let wazos = [None, Some("23.01"), Some("25.08")];
    let _ = crate::lint::market_deps::rendered(&tree, &path, &wazos);
    // `market --into` keeps the bytes of every value it does not change: what it writes must
    // read back as the document it meant, unchanged or with an item added.
    let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for _ in 0..2 {
        let text = crate::commands::market_keep::pretty(&doc, data);
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!("market --into wrote JSON that does not parse ({e}): {text}")
        });
        assert_eq!(back, doc, "market --into wrote another document: {text}");
        let Some(items) = doc
            .get_mut("items")
            .and_then(serde_json::Value::as_array_mut)
        else {
            return;
        };
        items.push(serde_json::json!({"namespace": "acme", "name": "hello", "versions": []}));
    }
}

#[cfg(test)]
mod tests {
    //! A seeded mutation fuzzer that runs on stable inside `cargo test`, on the committed
    //! corpus. It is not coverage-guided (cargo fuzz is, see FUZZING.md), but it replays the
    //! corpus and a fixed set of mutants on every run, and reports an input that panics or
    //! takes too long by its bytes.

    use std::io::Read;
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    /// xorshift64*: small, seeded, the same sequence everywhere.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            if n == 0 {
                0
            } else {
                (self.next() % n as u64) as usize
            }
        }
    }

    fn corpus(kind: &str) -> Vec<Vec<u8>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(kind);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let seeds: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
        assert!(!seeds.is_empty(), "{}: empty corpus", dir.display());
        seeds
    }

    /// One mutant of `seed`: byte flips, inserted or deleted runs, tokens, splices.
    fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8], tokens: &[&[u8]]) -> Vec<u8> {
        let mut data = seed.to_vec();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(data.len() + 1);
            match rng.below(7) {
                0 if !data.is_empty() => {
                    let i = rng.below(data.len());
                    data[i] ^= 1 << rng.below(8);
                }
                1 if !data.is_empty() => {
                    let i = rng.below(data.len());
                    data[i] = rng.next() as u8;
                }
                2 => {
                    let end = (at + 1 + rng.below(32)).min(data.len());
                    data.drain(at.min(end)..end);
                }
                3 => {
                    let t = tokens[rng.below(tokens.len())];
                    data.splice(at..at, t.iter().copied());
                }
                4 if !other.is_empty() => {
                    let from = rng.below(other.len());
                    let len = rng.below(other.len() - from + 1).min(256);
                    data.splice(at..at, other[from..from + len].iter().copied());
                }
                5 if data.len() >= 4 => {
                    // Overwrite with an interesting number, as text or as bytes.
                    let n = [0u64, 1, 0x7f, 0xff, 0xffff_ffff, u64::MAX][rng.below(6)];
                    let text = n.to_string().into_bytes();
                    let end = (at + text.len()).min(data.len());
                    data.splice(at.min(end)..end, text);
                }
                _ => {
                    let len = rng.below(data.len().saturating_sub(at) + 1).min(64);
                    let copy = data[at..at + len].to_vec();
                    data.splice(at..at, copy);
                }
            }
        }
        data
    }

    fn fuzz(kind: &str, target: fn(&[u8]), tokens: &[&[u8]], iterations: usize, seed: u64) {
        let seeds = corpus(kind);
        let mut rng = Rng(seed);
        let budget = Duration::from_secs(10);
        let started = Instant::now();
        let mut runs = 0;
        for i in 0..seeds.len() + iterations {
            let input = if i < seeds.len() {
                seeds[i].clone()
            } else {
                let a = &seeds[rng.below(seeds.len())];
                let b = &seeds[rng.below(seeds.len())];
                mutate(&mut rng, a, b, tokens)
            };
            let one = Instant::now();
            let result = std::panic::catch_unwind(|| target(&input));
            assert!(
                result.is_ok(),
                "{kind} target panicked on input {i} (seed {seed}): {:?}",
                String::from_utf8_lossy(&input)
            );
            assert!(
                one.elapsed() < Duration::from_secs(5),
                "{kind} target took {:?} on input {i} (seed {seed}): {:?}",
                one.elapsed(),
                String::from_utf8_lossy(&input)
            );
            runs += 1;
            if started.elapsed() > budget {
                break;
            }
        }
        eprintln!(
            "{kind}: {runs} inputs in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    const YAML_TOKENS: &[&[u8]] = &[
        b"\n",
        b"\t",
        b": ",
        b"- ",
        b"[",
        b"]",
        b"{",
        b"}",
        b"&a ",
        b"*a",
        b"!!str ",
        b"|\n  ",
        b">-\n  ",
        b"\"",
        b"'",
        b"#",
        b"---\n",
        b"...\n",
        b"? ",
        b"\\x00",
        b"\\u2028",
        b"\r\n",
        b"\xef\xbb\xbf",
        b"\xff",
        b"name: ",
        b"namespace: ",
        b"version: ",
        b"depends:\n  - ",
        b"debian_depends:\n  - ",
        b"plugin_format_version: ",
        b"description: ",
        b"%YAML 1.2\n",
        b"<<: *a\n",
        b"<<: [*a, *a]\n",
        b"!!python/object:os.system ",
        b"!!binary ",
        b"!local ",
        b"! ",
        b"!!int ",
        b"!!float ",
        b"!!bool ",
        b"!!map ",
        b"2024-01-05 1:2:3.4 +5:00",
        b"0b_",
        b"1:60.5",
        b"1.10",
        b"1:2.0-1",
        b"a (>= 1) | b",
        b"\nPackage: x",
    ];

    const DEB_TOKENS: &[&[u8]] = &[
        b"!<arch>\n",
        b"debian-binary   ",
        b"control.tar.xz  ",
        b"data.tar.gz     ",
        b"data.tar.zst    ",
        b"data.tar        ",
        b"`\n",
        b"ustar\0",
        b"ustar  \0",
        b"././@LongLink",
        b"\0\0\0\0\0\0\0\0",
        b"\x80\0\0\0\0\0\0\x01",
        b"\xfd7zXZ\0",
        b"\x1f\x8b\x08",
        b"\x28\xb5\x2f\xfd",
        b"9999999999",
        b"77777777777",
        b"L",
        b"K",
        b"x",
        b"S",
    ];

    #[test]
    fn xz_asking_for_a_huge_dictionary_is_refused() {
        // 72 bytes of xz whose header asks for a 1.5 GiB dictionary (found by reading
        // liblzma: the decoder would allocate it before reading any data).
        let stream: &[u8] = &[
            0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04, 0xe6, 0xd6, 0xb4, 0x46, 0x02, 0x00,
            0x21, 0x01, 0x25, 0x00, 0x00, 0x00, 0x3b, 0x78, 0x7b, 0x41, 0xe0, 0x00, 0x31, 0x00,
            0x0b, 0x5d, 0x00, 0x34, 0x19, 0x49, 0xee, 0x8e, 0x9a, 0x32, 0x70, 0x80, 0x00, 0x00,
            0x00, 0x00, 0x70, 0x56, 0x10, 0x90, 0x30, 0xfa, 0x51, 0xfe, 0x00, 0x01, 0x27, 0x32,
            0xce, 0x56, 0x94, 0x32, 0x1f, 0xb6, 0xf3, 0x7d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04,
            0x59, 0x5a,
        ];
        let mut out = Vec::new();
        let err = crate::deb::reader::decompress(crate::deb::compress::Algorithm::Xz, stream)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(err.to_string().contains("emory"), "{err}");
    }

    #[test]
    fn manifest_parser_survives_mutants() {
        fuzz(
            "manifest",
            super::manifest,
            YAML_TOKENS,
            15_000,
            0x5eed_0001,
        );
    }

    #[test]
    fn deb_reader_survives_mutants() {
        fuzz("deb", super::deb, DEB_TOKENS, 1_500, 0x5eed_0002);
    }

    #[test]
    fn package_reader_survives_mutants() {
        fuzz("deb", super::package_info, DEB_TOKENS, 1_000, 0x5eed_0003);
    }

    #[test]
    fn lint_package_pass_survives_mutants() {
        fuzz("deb", super::lint_package, DEB_TOKENS, 1_000, 0x5eed_0004);
    }

    #[test]
    fn control_parsers_survive_mutants() {
        fuzz(
            "control",
            super::control,
            CONTROL_TOKENS,
            10_000,
            0x5eed_0005,
        );
    }

    #[test]
    fn market_document_readers_survive_mutants() {
        fuzz(
            "market_document",
            super::market_document,
            MARKET_TOKENS,
            5_000,
            0x5eed_0006,
        );
    }

    /// JSON's structure, the market's keys and values LooseVersion orders in odd ways
    /// (numbers, letters, nulls, lists), and numbers serde_json keeps or rounds.
    const MARKET_TOKENS: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"\"",
        b"\\u00e9",
        b"\\u0000",
        b"null",
        b"true",
        b"1e3",
        b"-0.0",
        b"123456789012345678901234",
        b"\"items\": ",
        b"\"versions\": ",
        b"\"version\": ",
        b"\"min_wazo_version\": ",
        b"\"max_wazo_version\": ",
        b"\"options\": {\"subdirectory\": \"x\"}",
        b"\"namespace\": \"acme\", \"name\": \"dep\"",
        b"\"1.0a\"",
        b"\"25.08\"",
        b"\"2.0\"",
        b"\"\"",
    ];

    const CONTROL_TOKENS: &[&[u8]] = &[
        b"\n",
        b"\n\n",
        b"\r\n",
        b": ",
        b":",
        b" ",
        b"\t",
        b" .\n",
        b"#",
        b"-",
        b"Package: ",
        b"Version: ",
        b"Depends: ",
        b"Description: ",
        b"Installed-Size: ",
        b"Maintainer: ",
        b"Architecture: all",
        b"a (>= 1) | b",
        b"1:2.0-1~",
        b"\xc3\xa9",
        b"\xe9",
        b"\0",
    ];
}
