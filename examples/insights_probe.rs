//! What the local insight engine reads in each line of standard input: its questions, action
//! items (kind, follow-up mode, done as said) and entities. For trying a phrasing while working
//! on the rules: `echo "pls correct the bill and let me know the new amount" | cargo run
//! --example insights_probe`.

use std::io::Read;

use switchboard::insights::{actions, entities, questions};

fn main() -> std::io::Result<()> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    for line in input.lines() {
        println!("{line}");
        for question in questions::questions_in(line) {
            println!("  question  {question}");
        }
        for action in actions::actions_in(line) {
            let contact = action
                .contact
                .map_or(String::new(), |mode| format!(" · {}", mode.label()));
            let now = if action.now { " · done as said" } else { "" };
            println!("  {:?}{contact}{now}  {}", action.kind, action.text);
        }
        for entity in entities::entities_in(line) {
            println!("  {:?}  {}", entity.kind, entity.text);
        }
    }
    Ok(())
}
