//! The tag registry: one static table of every lint tag with its severity, what it applies
//! to and its explanation. Findings, `pluginctl lint --explain TAG` and `docs/lint-tags.md`
//! all read this table, so a tag cannot exist in one place and not in another.

use super::Severity;

/// What a tag is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// A path given on the command line.
    Input,
    /// A plugin checkout (a folder with `wazo/plugin.yml`).
    Checkout,
    /// A `.deb` file.
    Package,
    /// Both a checkout and a `.deb` (the rules file is checked in both).
    Both,
}

impl Scope {
    /// The words used in `--explain` and the tag list.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Scope::Input => "any input",
            Scope::Checkout => "plugin checkout",
            Scope::Package => ".deb package",
            Scope::Both => "plugin checkout and .deb package",
        }
    }
}

/// One row of the registry.
#[derive(Debug)]
pub(crate) struct TagInfo {
    /// The tag as an enum value (the registry's test checks that row `i` is tag `i`).
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "read by the registry's test only")
    )]
    pub(crate) tag: Tag,
    /// Its kebab-case name, as printed.
    pub(crate) name: &'static str,
    /// How bad a finding with this tag is.
    pub(crate) severity: Severity,
    /// What it applies to.
    pub(crate) scope: Scope,
    /// Why it matters and how to fix it.
    pub(crate) explanation: &'static str,
}

macro_rules! tags {
    ($($variant:ident = $name:literal, $severity:ident, $scope:ident, $explanation:literal;)+) => {
        /// Every lint tag; [`TAGS`] holds each one's name, severity and explanation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum Tag {
            $(#[doc = $name] $variant,)+
        }

        /// The registry, in the order of the [`Tag`] variants.
        pub(crate) static TAGS: &[TagInfo] = &[
            $(TagInfo {
                tag: Tag::$variant,
                name: $name,
                severity: Severity::$severity,
                scope: Scope::$scope,
                explanation: $explanation,
            },)+
        ];
    };
}

impl Tag {
    /// The tag's registry row.
    pub(crate) fn info(self) -> &'static TagInfo {
        &TAGS[self as usize]
    }

    /// Its printed name.
    pub(crate) fn name(self) -> &'static str {
        self.info().name
    }
}

/// Looks a tag up by its printed name.
pub(crate) fn find(name: &str) -> Option<&'static TagInfo> {
    TAGS.iter().find(|t| t.name == name)
}

tags! {
    InputUnreadable = "input-unreadable", Error, Input,
        "The path given on the command line does not exist or cannot be read. `pluginctl lint` \
         takes plugin folders (holding `wazo/plugin.yml` and `wazo/rules`) and `.deb` files; \
         check the path and its permissions.";

    ManifestMissing = "manifest-missing", Error, Checkout,
        "The folder has no `wazo/plugin.yml`, so it is not a Wazo plugin checkout. Give the \
         plugin's top folder (the one that holds `wazo/`), or create the manifest with at \
         least `name`, `namespace` and `version`.";
    ManifestInvalid = "manifest-invalid", Error, Checkout,
        "`wazo/plugin.yml` breaks a rule that `pluginctl build` enforces (YAML syntax, a \
         missing or malformed `name`, `namespace` or `version`, a bad `debian_depends` \
         relation, ...). `build` stops at the first such problem; `lint` lists them all. \
         The message says what is wrong at that line and column and how to fix it.";
    VersionReadAsNumber = "version-read-as-number", Warning, Checkout,
        "An unquoted `version`, `min_wazo_version` or `max_wazo_version` (or a dependency's \
         `version`) that YAML 1.1 reads as a number, a boolean or a date. pluginctl takes the \
         text as written (`1.10`), but the Wazo daemon reads plugin.yml with PyYAML, which \
         turns `1.10` into the float 1.1, `24.00` into 24.0 and `010` into 8, so the daemon \
         and the market would see another version. Quote the value: `version: \"1.10\"`.";
    UnknownKeyTypo = "unknown-key-typo", Warning, Checkout,
        "A key that neither pluginctl nor the Wazo market knows, and that is one or two \
         letters away from a known key (`debian_depend`, `namepsace`, `dependss`). Unknown \
         keys are kept for the market, so a misspelt key is silently ignored: the plugin \
         loses its dependencies or its namespace. Fix the spelling.";
    DependsOnItself = "depends-on-itself", Error, Checkout,
        "The plugin lists itself in `depends` (same name and namespace) or its own package \
         `wazo-plugind-<name>-<namespace>` in `debian_depends`. The Wazo daemon resolves \
         plugin dependencies before installing, so a plugin that needs itself cannot be \
         installed from the market. Remove the entry.";
    DuplicateDependency = "duplicate-dependency", Warning, Checkout,
        "The same plugin appears twice in `depends`, or the same relation twice in \
         `debian_depends`. The package gets it once, but the daemon installs plugin \
         dependencies one entry at a time. Keep one entry.";
    WazoVersionInvalid = "wazo-version-invalid", Warning, Checkout,
        "`min_wazo_version` or `max_wazo_version` is not a Wazo version. Wazo versions are \
         numbers separated by dots (`23.05`, `24.16`); the server compares the value with its \
         own version as text, so other text gives verdicts nobody meant (`23.x` sorts after \
         every 23.NN). Write the version as Wazo writes its own: `\"23.05\"`.";
    WazoVersionRangeEmpty = "wazo-version-range-empty", Error, Checkout,
        "`min_wazo_version` is greater than `max_wazo_version` (compared number by number: \
         23.5 < 23.10), so no Wazo version can install the plugin. Swap or fix the bounds.";
    WazoVersionUnsupported = "wazo-version-unsupported", Error, Checkout,
        "With `--wazo-version V`: the Wazo server V refuses the plugin, as its own check \
         would. The server reads an unquoted number as Python prints it (`20.10` becomes \
         `\"20.1\"`) and compares `min_wazo_version <= V` and `max_wazo_version >= V` as \
         text, not number by number: `\"23.5\"` sorts after `\"23.10\"`, so Wazo 23.10 \
         refuses `min_wazo_version: \"23.5\"`. When the text comparison refuses what the \
         value as written allows, the message says so and gives the text to write \
         (`\"23.05\"`). V is taken as the server writes it (`24.1` is 24.01). Widen the range \
         if the plugin works on V, or build for another Wazo.";
    WazoVersionComparedAsText = "wazo-version-compared-as-text", Warning, Checkout,
        "The Wazo server compares `min_wazo_version` and `max_wazo_version` with its own \
         version as text (after turning an unquoted number into Python's `str()` of it), and \
         on some Wazo from 17.01 to 30.17 that gives another verdict than the value as \
         written means, read number by number (`23.5` = 23.05 < 23.10). `min_wazo_version: \
         \"23.5\"` is refused on Wazo 23.10 to 23.17; an unquoted `24.1` (meant as 24.01) on \
         24.01 to 24.09. The message names the versions affected. Write the value quoted, \
         with two digits on each side of the dot, as Wazo writes its versions: \
         `min_wazo_version: \"23.05\"`. A value the server cannot read as text (a date) is \
         refused on every Wazo.";
    DependencyUnresolvable = "dependency-unresolvable", Error, Checkout,
        "With `--market FILE`: a `depends` entry the Wazo server would not install from that \
         market document. The server installs dependencies from its market only, as \
         wazo-plugind's market downloader does: it takes the first item with the entry's \
         namespace and name, marks each of its versions upgradable when LooseVersion's \
         `less_than` finds the running Wazo (`--wazo-version`; without it the bounds are not \
         judged) not older than the version's `min_wazo_version` and not newer than its \
         `max_wazo_version`, then takes the upgradable version equal to the entry's \
         `version`, or else the first upgradable one in list order. The message names every \
         version seen and why it was ruled out. A version whose bound LooseVersion cannot \
         compare with the Wazo version (a number against letters: TypeError) stops the \
         server's whole market listing, and so every dependency. Publish the dependency, \
         widen its bounds, or fix the `version` asked for.";
    SubdirectoryBeforeWazo2508 = "subdirectory-before-wazo-25-08", Warning, Checkout,
        "With `--market FILE`: a version of this plugin in the market document sets \
         `options.subdirectory` (the plugin lives in a sub-folder of its repository), but its \
         `min_wazo_version` is missing or older than 25.08 (compared as the server's market \
         compares, with LooseVersion). Wazo servers before 25.08 ignore the option, clone the \
         repository's top folder and find no plugin there. `pluginctl market --subdirectory` \
         warns of the same. Set `min_wazo_version: \"25.08\"` (or later) in plugin.yml and \
         publish the entry again.";
    MissingDescription = "missing-description", Info, Checkout,
        "plugin.yml has no `description`. The Wazo daemon ignores the key, and most real \
         plugins, official ones included, have none, so this is a note: the Wazo market shows \
         the description on the plugin's page, and the package's Description (what `apt \
         show` prints) is made from it.";
    MissingDisplayName = "missing-display-name", Warning, Checkout,
        "plugin.yml has no `display_name`. The Wazo market lists plugins by it, and it is the \
         package's one-line synopsis; without it both fall back to the bare name.";

    RulesMissing = "rules-missing", Error, Both,
        "There is no `wazo/rules` file (in a checkout), or the package does not ship \
         `usr/lib/wazo-plugind/plugins/<namespace>/<name>/wazo/rules`. The build runs it \
         with `build` and `package`, and the maintainer scripts run the installed copy with \
         `install`, `uninstall` and `postrm`: without it the package cannot be built or \
         installed.";
    RulesNotRegular = "rules-not-regular", Error, Both,
        "`wazo/rules` is a folder, a dangling symlink, a symlink that leaves the checkout or \
         another non-regular file. Make it a regular executable script.";
    RulesNotExecutable = "rules-not-executable", Error, Both,
        "`wazo/rules` has no execute permission. wazo-plugind and the maintainer scripts run \
         it directly, so it fails with `Permission denied`. Run `chmod +x wazo/rules` (and \
         commit the mode: `git update-index --chmod=+x wazo/rules`).";
    RulesNoShebang = "rules-no-shebang", Error, Both,
        "`wazo/rules` does not start with `#!`, so the kernel cannot execute it. Add an \
         interpreter line such as `#!/bin/sh` as its first line.";
    RulesCrlf = "rules-crlf", Error, Both,
        "`wazo/rules` has Windows (CR LF) line endings. Its `#!` line then names an \
         interpreter ending in a carriage return (`/bin/sh\\r: not found`) and every shell \
         command gets a stray `\\r`: the file will not run. Convert it (`dos2unix wazo/rules`) \
         and add `wazo/rules text eol=lf` to `.gitattributes`.";
    RulesMissingCommand = "rules-missing-command", Error, Both,
        "The rules file has no branch for a command it is called with (`build`, `package`, \
         `install`, `uninstall`, and `postrm` when `plugin_format_version` is 1 or more), and \
         its catch-all `*)` branch exits with a non-zero status, so that call fails: a failing \
         `postrm` makes the package impossible to remove cleanly. Heuristic: pluginctl reads \
         the `case` statements on `$1` (patterns such as `install)`, `install|postrm)`, \
         `\"postrm\")`) and the tests of `$1` (`[ \"$1\" = postrm ]`); a command is handled when \
         one of them names it. Without a failing `*)` branch an unhandled command does \
         nothing and succeeds, which is fine. Add a branch, even an empty one: `postrm) ;;`.";
    RulesPostrmIgnored = "rules-postrm-ignored", Warning, Both,
        "The rules file has a `postrm` branch that does something, but `plugin_format_version` \
         is 0 (or missing): the package only calls `rules postrm` for format 1 and later, so \
         that code never runs. Set `plugin_format_version: 1`.";
    RulesUnsetVariable = "rules-unset-variable", Warning, Both,
        "The rules file uses a variable that the Wazo daemon never sets: the `DEB_*` variables \
         of dpkg-buildpackage (`DEB_BUILD_ARCH`, `DEB_HOST_MULTIARCH`, ...), the `srcdir`, \
         `pkgname` and `pkgver` of Arch's makepkg, `DESTDIR` or `CURDIR`; or it uses \
         `$pkgdir` outside its `package` branch (pkgdir is only set for `rules package`). \
         The variable is empty when the rules file runs, so paths silently point to the wrong \
         place. Compute the value (`dpkg --print-architecture`) or assign it first.";
    RulesNoSetE = "rules-no-set-e", Info, Both,
        "The shell rules file does not use `set -e`, so a failing command does not stop it: \
         a `package` step whose `cp` failed still produces a package, without the files. \
         Add `set -e` after the `#!` line.";
    RulesPipefailInSh = "rules-pipefail-in-sh", Error, Both,
        "The rules file starts with `#!/bin/sh` (or `#!/bin/dash`) and runs `set -o pipefail` \
         (or `set -euo pipefail`). On Debian, sh is dash, which has no pipefail option: \
         `set` fails with \"Illegal option -o pipefail\", and since `set` is a special \
         builtin the script stops there, whatever follows (`|| true` does not help), so \
         every step the server runs (`build`, `package`, `install`...) fails. Start the file \
         with `#!/bin/bash`, or drop pipefail. Heuristic: a `set` statement with a flag word \
         holding `o` followed by `pipefail`.";
    RulesUnversionedPython = "rules-unversioned-python", Warning, Both,
        "The rules file runs `python` (a command, or its `#!` line), with no version. Debian \
         11 and later have no `python` command, only `python3` (unless python-is-python3 happens to be \
         installed), so the step fails with \"python: not found\". Call \
         `python3`. Heuristic: the first word of a command (after variable assignments and \
         `exec`, `env`, `sudo`, `nohup`, `time`) is `python` or a path ending in `/python`.";

    NotADeb = "not-a-deb", Error, Package,
        "The file does not start with the ar magic `!<arch>\\n` that every `.deb` starts \
         with: it is not a Debian package (or it is damaged).";
    TruncatedPackage = "truncated-package", Error, Package,
        "The file ends in the middle of an ar member or of a compressed stream: the download \
         or the copy was cut short. dpkg refuses it. Build or download it again.";
    BadArHeader = "bad-ar-header", Error, Package,
        "An ar member header is malformed (bad end marker, a size or mode that is not a \
         number). dpkg refuses the package.";
    ArMemberOrder = "ar-member-order", Error, Package,
        "The ar members are not `debian-binary`, `control.tar[.ext]`, `data.tar[.ext]` in \
         this order, once each. dpkg reads them in this order and refuses any other layout.";
    UnknownArMember = "unknown-ar-member", Error, Package,
        "The package has an ar member that dpkg does not know (and whose name does not start \
         with `_`, the prefix dpkg reserves for members it may ignore), or a control member \
         compressed with something dpkg cannot read for it (control.tar, .gz, .xz and .zst \
         only). dpkg refuses the package.";
    ExtraArMember = "extra-ar-member", Info, Package,
        "The package has an ar member that dpkg skips: one whose name starts with `_` (a \
         signature, for instance), or any member after the data member (deb(5) keeps that \
         place for future members). dpkg ignores it.";
    BadDebianBinary = "bad-debian-binary", Error, Package,
        "The first line of the `debian-binary` member is not a format version as dpkg reads \
         it: `<major>.<minor>`, digits only, major 2, ended by a newline (`2.0`). dpkg only \
         installs format 2.x packages.";
    UnsupportedCompression = "unsupported-compression", Warning, Package,
        "The data member uses a compression that dpkg still reads but has deprecated (bzip2, \
         lzma), which pluginctl cannot read, so the payload was not checked. Use xz (what \
         `dpkg-deb` and `pluginctl build` use by default).";
    ZstdMember = "zstd-member", Info, Package,
        "A member is compressed with zstd. dpkg reads zstd members only from version 1.21.18 \
         on: Debian 11 (bullseye), which older Wazo releases run on, cannot install the \
         package, and Debian 12's lintian rejects it. Use xz unless every target runs \
         Debian 12 or later.";
    CorruptMember = "corrupt-member", Error, Package,
        "A member cannot be decompressed or its tar stream is damaged (bad header checksum, \
         bad number field). dpkg refuses the package.";
    PaxHeader = "pax-header", Error, Package,
        "A tar entry is preceded by a PAX extended header (`x` or `g`), as `tar --format=pax` \
         (or Python's tarfile) writes them. `dpkg-deb --info` and lintian accept the package, \
         but `dpkg --unpack` fails with `unsupported PAX tar header type 'x'`. Write the tar \
         members in GNU format (`tar --format=gnu`) or build with `pluginctl build`.";
    SparseEntry = "sparse-entry", Error, Package,
        "A tar entry is a GNU sparse file (type `S`, from `tar --sparse`). `dpkg --unpack` fails \
         with `unsupported GNU tar header type 'S'`. Build without `--sparse`.";
    MissingParentDir = "missing-parent-dir", Error, Package,
        "A tar entry comes before (or without) an entry for its parent folder. dpkg does not \
         create missing parent folders: `dpkg --unpack` fails with `unable to create ...: No \
         such file or directory`, though `dpkg-deb --info` accepts the package. Give every \
         folder its own entry, before its contents.";
    UnsafePath = "unsafe-path", Error, Package,
        "A tar entry has an absolute path or a `..` component, which would write outside the \
         package's root.";
    UnsupportedTarEntry = "unsupported-tar-entry", Error, Package,
        "A tar entry has a type dpkg cannot unpack (a vendor or unknown type flag).";
    PastLimit = "past-limit", Error, Package,
        "Part of the package passes a limit pluginctl sets for its own safety (a control file \
         or maintainer script over 4 MiB, a GNU long name over 1 MiB, an xz stream needing \
         more than 256 MiB of memory, a zstd window over 128 MiB); the rest of that member \
         was not checked. dpkg may well install the package: this is pluginctl's limit, not \
         damage. It is an error all the same: a package lint could not read whole was not \
         checked, and `inspect` and `index` refuse it with the same words.";
    NewlineInPath = "newline-in-path", Error, Package,
        "A tar entry's path holds a newline, which `dpkg --unpack` refuses (`newline not \
         allowed in archive object name`). The path is shown escaped, as `tar` lists it \
         (`\\n`). Rename the file.";
    SpecialFile = "special-file", Warning, Package,
        "The package ships a device file or a FIFO. Create it at install time instead.";
    ControlMissing = "control-missing", Error, Package,
        "The control member has no `control` file: dpkg cannot know the package's name or \
         version.";
    ControlSyntax = "control-syntax", Error, Package,
        "The `control` file breaks the deb822 syntax: a line that is neither `Field: value` \
         nor a continuation, a duplicate field, a bad field name, more than one paragraph, a \
         continuation line on a single-line field, or a non-numeric Installed-Size.";
    NonUtf8Text = "non-utf8-text", Warning, Package,
        "A control file (`control` or a maintainer script) holds a byte that is not UTF-8, \
         such as a Latin-1 `é`. dpkg installs the package, but Debian policy 5.1 wants \
         control files in UTF-8, and tools showing the fields print a replacement character. \
         Save the file as UTF-8.";
    ControlMissingField = "control-missing-field", Error, Package,
        "The `control` file lacks a field every binary package needs: Package, Version, \
         Architecture, Maintainer or Description.";
    BadPackageName = "bad-package-name", Error, Package,
        "The Package field is not a valid Debian package name (lower case letters, digits, \
         `+`, `-` and `.`, two characters or more, starting with a letter or digit).";
    BadVersion = "bad-version", Error, Package,
        "The Version field is not a valid Debian version (`[epoch:]upstream[-revision]`, the \
         upstream part starting with a digit).";
    BadRelation = "bad-relation", Error, Package,
        "A relation field (Depends, Pre-Depends, Recommends, Suggests, Breaks, Conflicts, \
         Replaces, Provides, Enhances) has an item that is not `name [(op version)] \
         [[arch]]`, alternatives separated by `|`.";
    WrongSection = "wrong-section", Error, Package,
        "The Section field is not `wazo-plugind-plugin`. The Wazo daemon lists the installed \
         plugins by asking dpkg for the packages of that section: with any other section the \
         plugin is installed but the daemon does not list it, and cannot update or remove it.";
    InstalledSizeMissing = "installed-size-missing", Info, Package,
        "The control file has no Installed-Size field (the reference builder writes none). \
         apt then cannot tell how much disk space the package needs.";
    InstalledSizeImplausible = "installed-size-implausible", Warning, Package,
        "Installed-Size differs by more than 10% and more than 16 KiB from what the package \
         takes, counted as dpkg-gencontrol counts it: each file and symlink rounded up to \
         whole KiB, one KiB per folder and one for the control folder, plus the control files \
         dpkg-gencontrol sees (maintainer scripts, conffiles, triggers). A size counted \
         without the control files is accepted too, as other builders count it. The field \
         was probably copied from another build.";
    PackageNameMismatch = "package-name-mismatch", Error, Package,
        "The Package field is not `wazo-plugind-<name>-<namespace>` of the shipped \
         plugin.yml. The Wazo daemon finds a plugin's package by that name: it would not \
         find this one to upgrade or remove it.";
    VersionMismatch = "version-mismatch", Warning, Package,
        "The package's Version is not the `version` written in the shipped plugin.yml. The \
         daemon and the market show the plugin.yml version while dpkg upgrades by the \
         package's, so an update may be missed or offered forever. A version that YAML 1.1 \
         reads as a number (`1.10` -> `1.1`) is the usual cause.";
    PluginYmlMissing = "plugin-yml-missing", Error, Package,
        "The package does not ship `usr/lib/wazo-plugind/plugins/<namespace>/<name>/wazo/plugin.yml`. \
         The Wazo daemon reads that file to list installed plugins: without it the package \
         is not a Wazo plugin.";
    PluginYmlInvalid = "plugin-yml-invalid", Error, Package,
        "The shipped plugin.yml breaks a rule that `pluginctl build` enforces (see \
         `manifest-invalid`); the daemon may fail to list the plugin.";
    PluginPlaceMismatch = "plugin-place-mismatch", Error, Package,
        "The shipped plugin.yml is not installed at \
         `usr/lib/wazo-plugind/plugins/<its namespace>/<its name>/wazo/`, or the package \
         ships more than one plugin. The daemon and the maintainer scripts look for the \
         plugin at that place.";
    ScriptNotExecutable = "script-not-executable", Error, Package,
        "A maintainer script (preinst, postinst, prerm, postrm, config) is not executable \
         (mode 0755). dpkg cannot run it.";
    ScriptNoShebang = "script-no-shebang", Error, Package,
        "A maintainer script does not start with `#!`: dpkg cannot execute it.";
    ScriptCrlf = "script-crlf", Error, Package,
        "A maintainer script has CR LF line endings: its interpreter line ends in a \
         carriage return and it will not run.";
    RulesNotCalled = "rules-not-called", Error, Package,
        "A maintainer script does not call the installed rules file as wazo-plugind's own \
         packages do: postinst runs `.../wazo/rules install`, prerm saves a copy to \
         `/var/lib/wazo-plugind/rules/rules.<name>.<namespace>` and runs `.../wazo/rules \
         uninstall`, and for `plugin_format_version` 1 or more postrm runs that copy with \
         `postrm` (the installed file is already gone then). Heuristic: pluginctl looks for \
         the rules path followed by the command word. Without the call the plugin's \
         install or uninstall steps never run on a Wazo server.";
    Md5sumsMissing = "md5sums-missing", Warning, Package,
        "The control member has no `md5sums` file, so `dpkg --verify` and debsums cannot \
         check the installed files.";
    Md5sumsSyntax = "md5sums-syntax", Error, Package,
        "A line of `md5sums` is not 32 lower-case hex digits, two spaces and a path.";
    Md5sumsMismatch = "md5sums-mismatch", Error, Package,
        "A file's MD5 digest differs from the one listed in `md5sums`: the file was changed \
         after md5sums was written, or the package is damaged. `dpkg --verify` reports it.";
    Md5sumsIncomplete = "md5sums-incomplete", Warning, Package,
        "`md5sums` misses a regular file of the payload, or lists a path that is not a \
         regular file in the payload. Files declared in `conffiles` are not counted as \
         missing: dpkg checks conffiles by the hashes it records for them, and Debian's \
         tools leave them out of md5sums on purpose.";
    FileNotRoot = "file-not-root", Warning, Package,
        "Payload entries are not owned by root:root or by one of Debian's fixed system users \
         and groups (the static ids of base-passwd: `root:shadow`, `root:staff`, `man:man`, \
         `www-data`, ..., which have the same number on every Debian system). dpkg installs \
         the entries with the owner's name when it exists on the server, else with its \
         number, so the plugin's files may belong to some unrelated account. Build as root, \
         under fakeroot, or with `pluginctl build`.";
    WorldWritable = "world-writable", Warning, Package,
        "Payload files or folders are writable by every user (mode `o+w`): any local account \
         could change the plugin's code or configuration. A folder with the sticky bit \
         (`1777`, as `/tmp`) is not reported: there each user can only remove their own \
         files.";
    AncientTimestamp = "ancient-timestamp", Warning, Package,
        "Entries have a modification time before 1975, usually a build that lost its \
         timestamps (an mtime of 0). Tools that compare times (make, rsync, backups) then \
         misbehave. Set SOURCE_DATE_EPOCH to a real date.";
    PayloadFromBuildMachine = "payload-from-build-machine", Error, Package,
        "The payload has files under `/root` or `/home`, inside a pyenv or virtualenv prefix \
         (`.pyenv`, `.virtualenvs`, `.venv`, a `pyvenv.cfg` file), in a `site-packages` \
         folder, or under `/tmp`. The first come from the build machine: a plugin that \
         builds Python code with `setup.py bdist` or `pip install` ships its modules under \
         whatever interpreter ran the build, and Debian's python3 on a Wazo server only reads \
         `dist-packages`, so the modules are never found. Install them with `--root \
         \"$pkgdir\" --install-layout=deb` (or `pip install --prefix=/usr --root \"$pkgdir\"` \
         with Debian's python3). Files in `/tmp` are shipped on purpose, but the system \
         empties `/tmp` at boot (and systemd-tmpfiles cleans it), so they vanish while dpkg \
         still lists them (lintian: dir-or-file-in-tmp); create them from `rules install` \
         instead, or ship them under `/usr/share/<package>`.";
    BinaryInArchAll = "binary-in-arch-all", Error, Package,
        "The package is `Architecture: all` but ships ELF executables, shared objects or \
         object files, which run on one processor only (lintian: \
         arch-independent-package-contains-binary-or-object). The Wazo daemon always builds \
         `all`, and dpkg installs an `all` package on any architecture: on a Wazo server of \
         another architecture (arm64, i386) the plugin installs and then fails when it runs \
         the binary. For a plugin, compile on the server in `rules install` (with the \
         compiler in `debian_depends`), or depend on a Debian package that ships the binary; \
         a plugin built for one architecture only must say so in its documentation, since \
         its package cannot.";
    SetuidFile = "setuid-file", Warning, Package,
        "The payload has a file with the setuid or setgid bit (mode 4000 or 2000): it runs \
         with the rights of its owner or group (root) whoever starts it, so any flaw in it is \
         a way to root for every local account (lintian: elevated-privileges). A plugin rarely \
         needs one: use a systemd service, sudo rules or capabilities. If it is meant, keep \
         it and accept the warning.";
    HardLinkOutside = "hard-link-outside", Error, Package,
        "A hard link's target is an absolute path (`/etc/shadow`) or climbs out of the \
         package with `..`. A hard link in a .deb must name another entry of the same \
         package (`./usr/bin/tool`): dpkg would otherwise link a file of the server into \
         the package's path, and removing the package would then touch a file it does not \
         own. It comes from a tar made with `-P` or a hand-made archive; build with \
         `pluginctl build` or `dpkg-deb`.";
    DebInPayload = "deb-in-payload", Warning, Package,
        "The payload holds a Debian package (`.deb`). Usually a previous build: when the \
         output folder is the checkout (the default `-o .`), a rules file that copies the \
         checkout (`cp -R . \"$pkgdir\"`) puts the last package into the next one, which \
         then grows with every build. Build into a folder outside the checkout, delete the \
         old package, or copy only what the plugin needs. A plugin that ships a package on \
         purpose (to install it from `rules install`) can accept the warning.";
    PayloadOnlyPluginFolder = "payload-only-plugin-folder", Warning, Package,
        "The payload holds nothing but the plugin's own `wazo/` folder (and the packaging \
         documents), although the rules file's `package` branch runs commands. Usually a \
         command of `rules package` failed in a rules file without `set -e`, and the build \
         went on. Heuristic: the warning is given only when the shipped rules file has a \
         `package` branch that does more than `:`, `true` or `echo`.";

    RulesNotExecutableInGit = "rules-not-executable-in-git", Error, Checkout,
        "`wazo/rules` is executable on disk, but git holds it with mode 100644 (in the index, \
         in HEAD, or both). A Wazo server never sees the working tree: it runs `git clone \
         --branch REF --depth 1` and gets the mode git holds, so `wazo/rules build` fails \
         there with permission denied, after the release is published. This is common when \
         the plugin is written on Windows, where git cannot see the exec bit. Fix it in git: \
         `git update-index --chmod=+x wazo/rules`, then commit (and tag the new commit). \
         `pluginctl build --ref REF` builds from such a clone and shows the failure.";
    UncommittedFiles = "uncommitted-files", Info, Checkout,
        "Files under the plugin folder are modified or untracked (ignored files are not \
         counted). A Wazo server builds the committed tree of a branch or tag, not the working \
         tree, so a package built here may ship files, or changes, that the server's package \
         lacks. Commit them (or add them to .gitignore when they are build products), and \
         use `pluginctl build --ref REF` to build exactly what the server installs.";
    ReleaseTagNotVersion = "tag-not-version", Warning, Checkout,
        "A tag points at HEAD whose name, less one leading `v`, is not the `version` of \
         `wazo/plugin.yml`. A market entry names the release by its tag (`\"ref\": \
         \"v1.2.0\"`) and announces the version, but the server installs what plugin.yml \
         says: the market then offers a release that installs another version than it shows. \
         Tag the release `v<version>`, or change `version` before tagging.";
    IgnoredMemberData = "ignored-member-data", Error, Package,
        "A compressed member goes on after the part dpkg decompresses: dpkg reads only the \
         first xz stream or zstd frame (and gzip members up to the first bytes that are not \
         gzip), and never reads the rest. Files kept there are never installed, or the \
         package is refused when a file is cut in two. Compress the member as one stream \
         (`xz`, `zstd` without concatenating outputs). xz stream padding and zstd skippable \
         frames are not reported.";
    UrlCredentials = "url-credentials", Error, Checkout,
        "The homepage in plugin.yml holds user information before the host \
         (`https://TOKEN@host/...`, `https://user:password@host/...`), often a token. The \
         package's Homepage field and copyright Source, and the market entry, get the URL \
         without it; remove it from plugin.yml, which is public too. A user name alone in an \
         ssh URL (`ssh://git@host/...`) is a login, not a secret, and is kept.";
    LicenseUnusable = "license-unusable", Error, Checkout,
        "A license file of the checkout (LICENSE, COPYING, ...) is one `build` refuses to \
         read: not a regular file (a FIFO, a device), a symlink leaving the checkout (its \
         text would publish a file of the build machine), unreadable, or larger than 1 MiB. \
         Make it a regular file of the checkout holding the license text.";
    MaintainerDefault = "maintainer-default", Info, Checkout,
        "The package's Maintainer field is taken from plugin.yml's `author` when it holds a \
         name and an e-mail address (`author: Acme Telecom <dev@acme.example>`); this one \
         has no `author`, or one without an address, so the package says `Wazo Maintainers \
         <dev+pkg@wazo.community>`. Write the author as `Name <email>`, or give `pluginctl \
         build --maintainer \"Name <email>\"`. The Wazo daemon never reads the field; \
         people and Debian tools that ask who made a package do.";
    DebInCheckout = "deb-in-checkout", Warning, Checkout,
        "A Debian package (`.deb`) lies under the plugin's `wazo/` folder, or under a folder \
         that `rules package` copies into the package. Usually the output of an earlier \
         build (`cd wazo; pluginctl build -o .`): the next build ships it inside the new \
         package, which grows with every build. Move it out of the checkout and build into \
         a folder outside it. `build` warns before it ships one.";
    UnusedAllow = "unused-allow", Warning, Input,
        "A `# pluginctl: allow TAG` directive or a `lint --allow TAG` names a tag that does \
         not exist (the message suggests the nearest one), or allows a finding that no \
         longer occurs: the directive does nothing. Fix the name or remove the directive, \
         so that a finding that comes back later is not silenced by accident.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_variant() {
        for (i, info) in TAGS.iter().enumerate() {
            assert_eq!(info.tag as usize, i, "{}", info.name);
        }
    }

    #[test]
    fn names_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for info in TAGS {
            assert!(seen.insert(info.name), "duplicate tag {}", info.name);
            assert!(
                info.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !info.name.starts_with('-')
                    && !info.name.ends_with('-'),
                "{} is not kebab-case",
                info.name
            );
            assert!(info.explanation.ends_with('.'), "{}", info.name);
        }
    }
}
