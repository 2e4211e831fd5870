//! The READMEs describe the results folder from this crate's definitions: the column
//! tables of `results/README.md` are generated from the row types' doc comments, and both
//! READMEs' file tables name every file the runner writes. `WSBENCH_BLESS=1` rewrites the
//! column tables instead of failing.

use std::path::{Path, PathBuf};

use wsbench_schema::paths::FILES;
use wsbench_schema::rows::markdown_table;
use wsbench_schema::{LatencyRow, RunRow, WorkerRow};

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// The column tables, by the file name their marker carries.
fn tables() -> [(&'static str, String); 3] {
    [
        ("runs.csv", markdown_table::<RunRow>()),
        ("latency.csv", markdown_table::<LatencyRow>()),
        ("workers.csv", markdown_table::<WorkerRow>()),
    ]
}

/// `text` with the block between `<!-- columns NAME -->` and `<!-- end columns -->`
/// replaced by `table`; `None` when the markers are missing.
fn with_table(text: &str, name: &str, table: &str) -> Option<String> {
    let open = format!("<!-- columns {name} -->\n");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find("<!-- end columns -->")?;
    Some(format!("{}{table}{}", &text[..start], &text[end..]))
}

#[test]
fn column_tables_match_the_row_types() {
    let path = repo_file("results/README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut expected = text.clone();
    for (name, table) in tables() {
        expected = with_table(&expected, name, &table)
            .unwrap_or_else(|| panic!("{}: no `<!-- columns {name} -->` block", path.display()));
    }
    if expected != text && std::env::var_os("WSBENCH_BLESS").is_some() {
        // Renamed into place, so that the other tests never read a half-written file.
        let tmp = path.with_extension("md.tmp");
        std::fs::write(&tmp, &expected).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        return;
    }
    for (name, table) in tables() {
        let have = with_table(&text, name, "").unwrap();
        assert_eq!(
            with_table(&expected, name, "").unwrap(),
            have,
            "text outside the tables changed?"
        );
        assert!(
            text.contains(&format!(
                "<!-- columns {name} -->\n{table}<!-- end columns -->"
            )),
            "{}: the {name} column table differs from the row type; expected:\n{table}\n\
             (rerun with WSBENCH_BLESS=1 to rewrite it)",
            path.display()
        );
    }
}

/// The first cells of the rows of every table in `text`, without their backticks.
fn first_cells(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| l.split('|').nth(1))
        .map(|c| c.trim().trim_matches('`').to_string())
        .collect()
}

#[test]
fn file_tables_name_every_file() {
    for rel in ["results/README.md", "experiments/configs/README.md"] {
        let text = std::fs::read_to_string(repo_file(rel)).unwrap();
        let named = first_cells(&text);
        for file in FILES {
            assert!(
                named.iter().any(|n| n == file),
                "{rel}: its file table does not name `{file}`"
            );
        }
    }
}

#[test]
fn a_changed_column_is_caught() {
    let table = markdown_table::<WorkerRow>();
    let text = format!("a\n<!-- columns workers.csv -->\n{table}<!-- end columns -->\nb\n");
    let edited = text.replace("| `cpu` |", "| `core` |");
    assert!(!edited.contains(&format!("<!-- columns workers.csv -->\n{table}")));
    assert_eq!(with_table(&edited, "workers.csv", &table).unwrap(), text);
}
