//! The module graph, held by reading the sources so a stray import fails CI rather than
//! review. The app module is the pure core (DESIGN.md: "one reducer"): it may import only the
//! model, the insight engine, the contracts and the text sanitiser, and never reaches for the
//! network, the terminal, the async runtime, the file system or the clock. The contracts, the
//! model and the insight engine import nothing of the IO modules; the providers never import
//! the config (each owns its schema), the app, the views or the runtime; the hub serves the
//! Linktor wire types from `crate::protocol`, not from inside the provider.

use std::path::Path;

const FORBIDDEN: &[&str] = &[
    "tokio",
    "ratatui",
    "crossterm",
    "reqwest",
    "tungstenite",
    "rusqlite",
    "axum",
    "std::fs",
    "std::net",
    "OffsetDateTime::now",
    "SystemTime::now",
    "Instant::now",
    "crate::ui",
    "crate::runtime",
    "crate::hub",
    "assist::client",
    "assist::runner",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `crate::` modules the files under `dir` import, each with where it is imported.
fn crate_imports(dir: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut files);
    assert!(!files.is_empty(), "found the sources of {dir}");
    let mut imports = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for (at, _) in code.match_indices("crate::") {
                let module: String = code[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                imports.push((module, format!("{}:{}", file.display(), number + 1)));
            }
        }
    }
    imports
}

/// Every import of `dir` outside `allowed`.
fn imports_outside(dir: &str, allowed: &[&str]) -> Vec<String> {
    crate_imports(dir)
        .into_iter()
        .filter(|(module, _)| !allowed.contains(&module.as_str()))
        .map(|(module, at)| format!("{at}: crate::{module}"))
        .collect()
}

#[test]
fn the_reducer_imports_only_the_pure_modules() {
    let offences = imports_outside("src/app", &["app", "model", "insights", "contract", "text"]);
    assert!(
        offences.is_empty(),
        "src/app may import only the model, the insight engine, the contracts and the text sanitiser:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_contracts_and_the_model_stay_free_of_io_modules() {
    let pure = ["model", "insights", "contract", "text"];
    let mut offences = imports_outside("src/contract", &pure);
    offences.extend(imports_outside("src/insights", &pure));
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

#[test]
fn providers_own_their_config_and_know_nothing_of_the_app() {
    let offences = imports_outside(
        "src/providers",
        &[
            "providers",
            "model",
            "insights",
            "contract",
            "protocol",
            "text",
        ],
    );
    assert!(
        offences.is_empty(),
        "src/providers may import only itself, the model, the insight engine, the contracts and the text sanitiser:\n{}",
        offences.join("\n")
    );
}

/// Every module a file declares is named in its header's map, so the maps do not go stale.
#[test]
fn module_maps_name_every_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for file in [
        "src/lib.rs",
        "src/app/mod.rs",
        "src/ui/mod.rs",
        "src/providers/mod.rs",
    ] {
        let text = std::fs::read_to_string(root.join(file)).expect("readable source");
        let header: String = text
            .lines()
            .filter(|line| line.starts_with("//!"))
            .collect::<Vec<_>>()
            .join(" ");
        for line in text.lines() {
            let declared = line
                .trim_start_matches("pub ")
                .strip_prefix("mod ")
                .and_then(|rest| rest.strip_suffix(';'));
            if let Some(module) = declared
                && !module.ends_with("tests")
                && !header.contains(&format!("`{module}`"))
                && !header.contains(&format!("[`{module}`]"))
            {
                missing.push(format!("{file}: {module}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "modules missing from their file's map:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_hub_speaks_the_shared_protocol_not_the_provider() {
    let offences = imports_outside("src/hub", &["hub", "model", "protocol", "text"]);
    assert!(
        offences.is_empty(),
        "the embedded hub serves the Linktor wire types from crate::protocol:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_reducer_does_no_io_and_reads_no_clock() {
    let mut files = Vec::new();
    rust_files(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/app")),
        &mut files,
    );
    assert!(files.len() > 5, "found the app sources");
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for word in FORBIDDEN {
                if code.contains(word) {
                    offences.push(format!("{}:{}: {word}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "src/app must stay pure:\n{}",
        offences.join("\n")
    );
}

#[test]
fn views_do_not_mutate_or_do_io() {
    let mut files = Vec::new();
    rust_files(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui")),
        &mut files,
    );
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        for word in ["&mut App", "tokio", "reqwest", "std::fs", "::now("] {
            if text.contains(word) {
                offences.push(format!("{}: {word}", file.display()));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "src/ui must stay pure:\n{}",
        offences.join("\n")
    );
}

/// README's key table is the default key map: every action of the main contexts is there
/// with its first key, so the table cannot fall behind the map.
#[test]
fn the_readme_lists_every_default_key() {
    use switchboard::app::keymap::KeyMap;
    use switchboard::app::keys::KeyContext;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let start = readme.find("## Keys").expect("a Keys section");
    let end = start + readme[start..].find("### Your own keys").expect("its end");
    let table = &readme[start..end];
    let mut missing = Vec::new();
    for binding in KeyMap::default().bindings() {
        let main = matches!(
            binding.context,
            KeyContext::Global | KeyContext::Browse | KeyContext::Message | KeyContext::Compose
        );
        let Some(key) = binding.keys.first() else {
            continue;
        };
        let label = format!("`{}`", key.label());
        if main && !table.contains(&label) {
            missing.push(format!("{label} ({})", binding.help));
        }
    }
    assert!(missing.is_empty(), "README's key table lacks: {missing:?}");
}
