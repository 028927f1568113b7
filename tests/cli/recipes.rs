//! The CI recipes of examples/ci cannot rot: every shell command of both files is read with
//! a real YAML parser (python3-yaml), in order, and run against a copy of
//! examples/helloworld, with pluginctl already in the recipe's cache and a throwaway key
//! in place of the secret. The repository they publish is checked with gpgv.

use crate::publish::Gpg;
use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Reads a recipe with PyYAML; returns the extraction as JSON.
fn extract(recipe: &str, program: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ci")
        .join(recipe);
    let o = run(Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(program)
        .arg(&path));
    assert!(o.status.success(), "python3-yaml: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The `run:` steps of every job, in order, with their `env:`.
const GITHUB_STEPS: &str = "import json, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
steps = []
for job in doc['jobs'].values():
    for step in job['steps']:
        if 'run' in step:
            steps.append({'run': step['run'], 'env': step.get('env', {})})
print(json.dumps({'env': doc.get('env', {}), 'steps': steps}))";

/// The jobs in stage order, each with its commands (before_script, then script) and the
/// global variables.
const GITLAB_JOBS: &str = "import json, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
reserved = {'stages', 'variables', 'default', 'workflow', 'include', 'image', 'services',
            'cache', 'before_script', 'after_script'}
before = doc.get('default', {}).get('before_script', [])
jobs = []
for stage in doc['stages']:
    for name, job in doc.items():
        if name in reserved or job.get('stage') != stage:
            continue
        jobs.append({'name': name, 'commands': job.get('before_script', before) + job['script']})
print(json.dumps({'env': doc.get('variables', {}), 'jobs': jobs}))";

/// A checkout of examples/helloworld in a fresh folder, and a home whose pluginctl cache is
/// warm (the binary under test, where the recipe's cache would restore it).
struct Workspace {
    root: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let root = tempfile::Builder::new().prefix("ci-").tempdir().unwrap();
        let checkout = root.path().join("checkout");
        let o = run(Command::new("cp")
            .arg("-r")
            .arg(helloworld())
            .arg(&checkout));
        assert!(o.status.success(), "{}", stderr(&o));
        for dir in ["home/.cargo/bin", "checkout/.pluginctl/bin", "tmp"] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        for link in [
            "home/.cargo/bin/pluginctl",
            "checkout/.pluginctl/bin/pluginctl",
        ] {
            std::os::unix::fs::symlink(bin(), root.path().join(link)).unwrap();
        }
        Workspace { root }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// bash as the CI runners start it, in the checkout, with no cargo on PATH (a recipe
    /// that missed its cache would fail here rather than build for minutes).
    fn bash(&self, script: &str, path: &str, env: &[(String, String)]) -> std::process::Output {
        let mut c = Command::new("/bin/bash");
        c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(self.path("checkout"))
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.path("home"))
            .env("TMPDIR", self.path("tmp"))
            .env("SOURCE_DATE_EPOCH", "1700000000");
        for (k, v) in env {
            c.env(k, v);
        }
        run(&mut c)
    }
}

/// The string values of a YAML mapping read as JSON.
fn strings(map: &serde_json::Value) -> Vec<(String, String)> {
    map.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map_or(v.to_string(), str::to_string)))
                .collect()
        })
        .unwrap_or_default()
}

/// gpgv accepts the published repository's InRelease with the throwaway public key.
fn assert_published(ws: &Workspace, gpg: &Gpg, public: &Path) {
    let public_dir = ws.path("checkout/public");
    for f in [
        "Packages",
        "Packages.gz",
        "Release",
        "Release.gpg",
        "InRelease",
    ] {
        assert!(public_dir.join(f).is_file(), "{f} missing");
    }
    let release = std::fs::read_to_string(public_dir.join("Release")).unwrap();
    assert!(release.starts_with("Origin: Acme\n"), "{release}");
    let o = run(gpg
        .cmd("gpgv")
        .arg("--keyring")
        .arg(public)
        .arg(public_dir.join("InRelease")));
    assert!(o.status.success(), "{}", stderr(&o));
}

const SYSTEM_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

#[test]
fn every_command_of_the_github_actions_recipe_runs() {
    let gpg = Gpg::new();
    let key = gpg.key("ed25519", "CI <ci@example.org>", "");
    let secret = std::fs::read_to_string(&key.armored).unwrap();
    let recipe = extract("github-actions.yml", GITHUB_STEPS);
    let ws = Workspace::new();
    let github_path = ws.path("github_path");
    std::fs::write(&github_path, "").unwrap();
    let mut path = SYSTEM_PATH.to_string();
    let steps = recipe["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 4, "install, lint, build, index");
    let mut outputs = Vec::new();
    for step in steps {
        let script = step["run"].as_str().unwrap();
        assert!(
            !script.contains("${{"),
            "a run: holds an expression: {script}"
        );
        let mut env = strings(&recipe["env"]);
        env.push(("GITHUB_PATH".into(), github_path.display().to_string()));
        env.push(("RUNNER_TEMP".into(), ws.path("tmp").display().to_string()));
        for (k, v) in strings(&step["env"]) {
            let value = match v.as_str() {
                "${{ secrets.REPO_SIGNING_KEY }}" => secret.clone(),
                // A secret that is not set reads as empty on GitHub.
                "${{ secrets.PLUGINCTL_KEY_PASSPHRASE }}" => String::new(),
                other => panic!("{k}: unknown value {other}"),
            };
            env.push((k, value));
        }
        let o = ws.bash(script, &path, &env);
        assert!(
            o.status.success(),
            "{script}\nfailed: {}{}",
            stdout(&o),
            stderr(&o)
        );
        outputs.push(stdout(&o));
        // What a step appends to GITHUB_PATH is on PATH for the next ones.
        let added = std::fs::read_to_string(&github_path).unwrap();
        path = added
            .lines()
            .rev()
            .chain(std::iter::once(SYSTEM_PATH))
            .collect::<Vec<_>>()
            .join(":");
    }
    assert_eq!(
        outputs[1],
        "1 input checked: 0 errors, 0 warnings, 0 info\n"
    );
    assert_published(&ws, &gpg, &key.public);
    assert!(
        !ws.path("tmp/signing-key.asc").exists(),
        "the key file is removed"
    );
}

#[test]
fn every_command_of_the_gitlab_ci_recipe_runs() {
    let gpg = Gpg::new();
    let key = gpg.key("ed25519", "CI <ci@example.org>", "");
    let recipe = extract("gitlab-ci.yml", GITLAB_JOBS);
    let ws = Workspace::new();
    let jobs = recipe["jobs"].as_array().unwrap();
    let names: Vec<&str> = jobs.iter().map(|j| j["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["lint", "publish"]);
    for job in jobs {
        let commands: Vec<&str> = job["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let mut env = strings(&recipe["env"]);
        env.push((
            "CI_PROJECT_DIR".into(),
            ws.path("checkout").display().to_string(),
        ));
        // A variable of type File: its value is the path of a file holding the secret.
        env.push(("REPO_SIGNING_KEY".into(), key.armored.display().to_string()));
        let o = ws.bash(&commands.join("\n"), SYSTEM_PATH, &env);
        assert!(
            o.status.success(),
            "{}: {commands:?}\nfailed: {}{}",
            job["name"],
            stdout(&o),
            stderr(&o)
        );
    }
    let report = std::fs::read(ws.path("checkout/gl-code-quality-report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&report).unwrap();
    assert_eq!(report, serde_json::json!([]));
    assert_published(&ws, &gpg, &key.public);
}
