//! Splits a shell command line (a `bash_command`) into simple commands and their words,
//! keeping each word's byte range so diagnostics can point into the DAG file.
//!
//! POSIX quoting rules; `&&`, `||`, `;`, `|`, `&` and newlines separate commands. Airflow
//! renders Jinja before the shell runs, so `{{ ... }}` and `{% ... %}` are kept whole.
//! Written here rather than taken from `shlex`, which yields neither offsets nor operators
//! (the tests check the words against `shlex`).

use std::ops::Range;

/// One shell word: its unquoted text and the byte range it spans in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub range: Range<usize>,
}

/// Splits `input` into simple commands, each a list of words.
pub fn split_commands(input: &str) -> Vec<Vec<Word>> {
    let mut commands = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut current: Option<(String, usize)> = None;
    let bytes = input.as_bytes();
    let mut i = 0;

    fn finish(current: &mut Option<(String, usize)>, words: &mut Vec<Word>, end: usize) {
        if let Some((text, start)) = current.take() {
            words.push(Word {
                text,
                range: start..end,
            });
        }
    }

    while i < bytes.len() {
        let c = input[i..].chars().next().unwrap_or(' ');
        let len = c.len_utf8();
        match c {
            ' ' | '\t' | '\r' => {
                finish(&mut current, &mut words, i);
                i += 1;
            }
            '\n' | ';' | '&' | '|' | '(' | ')' => {
                finish(&mut current, &mut words, i);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
                i += 1;
            }
            '#' if current.is_none() => {
                // A comment runs to the end of the line.
                i = input[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            '\\' => match input[i + 1..].chars().next() {
                // A line continuation joins lines; it is not part of a word.
                Some('\n') => i += 2,
                Some(next) => {
                    current
                        .get_or_insert_with(|| (String::new(), i))
                        .0
                        .push(next);
                    i += 1 + next.len_utf8();
                }
                None => i += 1,
            },
            '\'' => {
                let word = current.get_or_insert_with(|| (String::new(), i));
                let close = input[i + 1..].find('\'').map_or(bytes.len(), |n| i + 1 + n);
                word.0.push_str(&input[i + 1..close]);
                i = (close + 1).min(bytes.len());
            }
            '"' => {
                let word = current.get_or_insert_with(|| (String::new(), i));
                i += 1;
                while i < bytes.len() {
                    let c = input[i..].chars().next().unwrap_or('"');
                    if c == '"' {
                        i += 1;
                        break;
                    }
                    if c == '\\' {
                        match input[i + 1..].chars().next() {
                            Some(next @ ('$' | '`' | '"' | '\\')) => {
                                word.0.push(next);
                                i += 2;
                                continue;
                            }
                            Some('\n') => {
                                i += 2;
                                continue;
                            }
                            _ => {}
                        }
                    }
                    word.0.push(c);
                    i += c.len_utf8();
                }
            }
            '{' if input[i..].starts_with("{{") || input[i..].starts_with("{%") => {
                let close = if input[i..].starts_with("{{") {
                    "}}"
                } else {
                    "%}"
                };
                let end = input[i + 2..]
                    .find(close)
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                let word = current.get_or_insert_with(|| (String::new(), i));
                word.0.push_str(&input[i..end]);
                i = end;
            }
            _ => {
                // The plain characters that follow join the word in one copy.
                let end = plain_run_end(bytes, i + len);
                let word = current.get_or_insert_with(|| (String::new(), i));
                word.0.push_str(&input[i..end]);
                i = end;
            }
        }
    }
    finish(&mut current, &mut words, bytes.len());
    if !words.is_empty() {
        commands.push(words);
    }
    commands
}

/// Where the run of plain word characters starting at `start` ends: at the next byte the
/// splitter treats specially inside a word (`#` is plain there). Bytes of multi-byte
/// characters are never special, so the end is always a character boundary.
fn plain_run_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|byte| {
            matches!(
                byte,
                b' ' | b'\t'
                    | b'\r'
                    | b'\n'
                    | b';'
                    | b'&'
                    | b'|'
                    | b'('
                    | b')'
                    | b'\\'
                    | b'\''
                    | b'"'
                    | b'{'
            )
        })
        .map_or(bytes.len(), |offset| start + offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<Vec<String>> {
        split_commands(input)
            .into_iter()
            .map(|words| words.into_iter().map(|w| w.text).collect())
            .collect()
    }

    #[test]
    fn splits_commands_and_keeps_ranges() {
        let input = "cd /opt/dbt && dbt build -s 'tag:a tag:b' --vars \"{x: 1}\"; echo done";
        let commands = split_commands(input);
        assert_eq!(commands.len(), 3);
        assert_eq!(commands[0][1].text, "/opt/dbt");
        let select = &commands[1][3];
        assert_eq!(select.text, "tag:a tag:b");
        assert_eq!(&input[select.range.clone()], "'tag:a tag:b'");
        assert_eq!(commands[1][5].text, "{x: 1}");
    }

    #[test]
    fn keeps_jinja_whole() {
        assert_eq!(
            texts("dbt run --vars '{\"d\": \"{{ ds }}\"}' --target {{ var.value.target }}"),
            [[
                "dbt",
                "run",
                "--vars",
                "{\"d\": \"{{ ds }}\"}",
                "--target",
                "{{ var.value.target }}"
            ]]
        );
    }

    #[test]
    fn line_continuations_and_comments() {
        assert_eq!(
            texts("dbt run \\\n  --select x # the models\ndbt test"),
            [vec!["dbt", "run", "--select", "x"], vec!["dbt", "test"]]
        );
    }

    #[test]
    fn plain_runs_keep_hashes_braces_and_wide_characters_in_words() {
        let input = "dbt run -s tag#1 a{b}c é–ü{{ x }}z;ls";
        let commands = split_commands(input);
        let words: Vec<(&str, &str)> = commands[0]
            .iter()
            .map(|word| (word.text.as_str(), &input[word.range.clone()]))
            .collect();
        assert_eq!(
            words,
            [
                ("dbt", "dbt"),
                ("run", "run"),
                ("-s", "-s"),
                ("tag#1", "tag#1"),
                ("a{b}c", "a{b}c"),
                ("é–ü{{ x }}z", "é–ü{{ x }}z"),
            ]
        );
        assert_eq!(texts(input)[1], ["ls"]);
    }

    #[test]
    fn agrees_with_shlex_on_plain_words() {
        let cases = [
            r#"dbt run --select "tag:a tag:b" --exclude 'c d'"#,
            r#"a "b\"c" 'd\e' f\ g"#,
            r#"x"y"'z' "" ''"#,
            "dbt   build\t-s  a+",
            r#"echo "a\\b" "\$HOME""#,
        ];
        for case in cases {
            let ours: Vec<String> = split_commands(case)
                .into_iter()
                .flatten()
                .map(|w| w.text)
                .collect();
            let expected = shlex::split(case).unwrap();
            assert_eq!(ours, expected, "{case}");
        }
    }
}
