//! The demo simulator: seeds a believable history once, then plays customers live.
//!
//! Everything it decides comes from one `fastrand::Rng` seeded by [`DemoConfig::seed`], and
//! every delay is virtual seconds divided by the speed, so runs are reproducible and tests can
//! run it fast. Customer messages go through [`ops::ingest_inbound`], the `/simulate/inbound`
//! path.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::DemoConfig;
use super::ops::{self, HubState, sleep_or_stop};
use super::scripts::{PERSONAS, Persona, SCRIPTS, Script};
use super::store::{MessagePage, NewMessage, StoreResult};
use super::team::WorkChange;
use crate::protocol::linktor::ServerFrame;
use crate::protocol::linktor::{WireAgent, parse_time};

/// At most this many customers are mid-dialogue at once, so the demo never floods.
const MAX_ACTIVE: usize = 3;
/// A customer gives up waiting for an answer after this many virtual seconds.
const PATIENCE_SECS: f64 = 240.0;
/// Conversations in the seeded history: enough to fill a tall conversation list, with some
/// customers left free to start new stories live.
const SEEDED_CONVERSATIONS: usize = 12;
/// Lines of each seeded conversation, at least (and at most 10).
const SEEDED_LINES: usize = 6;

const NS_PER_SEC: i64 = 1_000_000_000;

fn scripts_for(channel: &str) -> Vec<&'static Script> {
    SCRIPTS
        .iter()
        .filter(|s| s.channel.is_none_or(|c| c == channel))
        .collect()
}

/// Writes the seeded history if the database has no conversations yet. Only timestamps depend
/// on the wall clock (they are relative to now); names, channels and texts depend on the seed.
pub fn seed_history(state: &HubState, seed: u64) -> StoreResult<()> {
    if state.store.conversation_count()? > 0 {
        return Ok(());
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    // The first seven personas cover seven channels; add others drawn at random and shuffle.
    let mut personas: Vec<Persona> = PERSONAS.iter().take(7).copied().collect();
    let mut others: Vec<Persona> = PERSONAS.iter().skip(7).copied().collect();
    rng.shuffle(&mut others);
    personas.extend(
        others
            .into_iter()
            .take(SEEDED_CONVERSATIONS.saturating_sub(7)),
    );
    rng.shuffle(&mut personas);
    let now = state.store.now_ns();
    let mut used_scripts: Vec<&str> = Vec::new();
    for (index, persona) in personas.iter().take(SEEDED_CONVERSATIONS).enumerate() {
        let mut candidates: Vec<&Script> = scripts_for(persona.channel)
            .into_iter()
            .filter(|s| !used_scripts.contains(&s.topic))
            .collect();
        if candidates.is_empty() {
            candidates = scripts_for(persona.channel);
        }
        let Some(script) = candidates
            .get(rng.usize(..candidates.len().max(1)))
            .copied()
        else {
            continue;
        };
        used_scripts.push(script.topic);
        // The newest conversations are from today; older ones from the past few days.
        let days_ago = match index {
            0..=2 => 0,
            3..=4 => 1,
            _ => rng.i64(2..=4),
        };
        let lines = (script.turns.len() * 2).min(10);
        let mut count = rng.usize(SEEDED_LINES.min(lines)..=lines.max(3));
        if index < 2 && count.is_multiple_of(2) {
            // The two newest always end with an unanswered customer line.
            count -= 1;
        }
        // Gaps between lines; drawn first so the last line lands exactly at `end`, before now.
        let gaps: Vec<i64> = (0..count).map(|_| rng.i64(40..=900)).collect();
        let span_secs: i64 = gaps.iter().sum();
        let end = now - days_ago * 86_400 * NS_PER_SEC - rng.i64(5 * 60..=3 * 3600) * NS_PER_SEC;
        let mut at = end - span_secs * NS_PER_SEC;
        // Today's conversations that end with the customer stay unread.
        let unread_tail = days_ago == 0 && !count.is_multiple_of(2);
        for (line, gap) in gaps.iter().enumerate() {
            at += gap * NS_PER_SEC;
            let turn = script.turns[(line / 2).min(script.turns.len() - 1)];
            if line % 2 == 0 {
                let (conversation_id, _) = ops::ingest_inbound_at(
                    state,
                    persona.channel,
                    persona.identifier,
                    Some(persona.name),
                    turn.customer,
                    Some(at),
                )?;
                let is_last = line + 1 == count;
                if !(unread_tail && is_last) {
                    state.store.mark_read(&conversation_id)?;
                }
            } else {
                let Some(conversation_id) = state
                    .store
                    .find_open_conversation(persona.channel, persona.identifier)?
                else {
                    continue;
                };
                let is_last = line + 1 == count;
                let delivered = at + rng.i64(1..=5) * NS_PER_SEC;
                let read =
                    (!is_last || rng.bool()).then(|| delivered + rng.i64(10..=300) * NS_PER_SEC);
                state.store.insert_message(NewMessage {
                    conversation_id,
                    direction: "outbound",
                    sender_type: "agent",
                    sender_id: Some("agent".into()),
                    text: turn.agent.to_owned(),
                    status: if read.is_some() { "read" } else { "delivered" },
                    metadata: BTreeMap::new(),
                    created_ns: Some(at),
                    agent_read: true,
                    delivered_ns: Some(delivered),
                    read_ns: read,
                })?;
            }
        }
    }
    seed_team(state)
}

/// The colleagues of the demo, and how the team has worked the queue so far: some
/// conversations are someone's, labelled, urgent; one is snoozed. By place in the list (newest
/// first), so every run seeds the same.
fn seed_team(state: &HubState) -> StoreResult<()> {
    for (id, name) in [("u-maya", "Maya Chen"), ("u-tom", "Tom Okafor")] {
        state.store.upsert_agent(&WireAgent {
            id: id.to_string(),
            name: name.to_string(),
            email: None,
        })?;
    }
    let (listed, _) = state.store.conversations(None, None, 100, 0)?;
    let work = [
        (0, None, &["refund"][..], Some("urgent")),
        (2, Some("u-maya"), &["vip"][..], None),
        (3, Some("u-tom"), &["billing"][..], Some("high")),
        (5, None, &["feedback"][..], Some("low")),
        (7, Some("u-maya"), &[][..], None),
    ];
    let now = state.store.now_ns();
    for (index, assignee, tags, priority) in work {
        let Some(conversation) = listed.get(index) else {
            continue;
        };
        let change = WorkChange {
            assignee: Some(assignee.map(str::to_string)),
            tags: Some(tags.iter().map(|tag| tag.to_string()).collect()),
            priority: Some(priority.map(str::to_string)),
            snoozed_until_ns: None,
        };
        state.store.set_work(&conversation.id, &change, now)?;
    }
    // A colleague's note, for whoever picks the conversation up next.
    if let Some(conversation) = listed.get(2) {
        let at = conversation.last_message_at.as_deref().and_then(parse_time);
        let at_ns =
            at.map(|at| i64::try_from(at.unix_timestamp_nanos()).unwrap_or(now) + 60 * NS_PER_SEC);
        ops::add_note(
            state,
            &conversation.id,
            "VIP since 2019: offer free express shipping if the order is late again.",
            Some("u-maya"),
            None,
            at_ns.or(Some(now)),
        )?;
    }
    if let Some(conversation) = listed.get(8) {
        state
            .store
            .set_conversation_status(&conversation.id, "snoozed", now)?;
    }
    Ok(())
}

/// One simulated customer working through a script.
struct Dialogue {
    persona: Persona,
    script: &'static Script,
    /// Index of the next customer line to send.
    next_turn: usize,
    conversation_id: Option<String>,
    /// Set while the customer waits for the agent; `None` while the customer is writing.
    waiting_since: Option<Instant>,
}

/// Reported by a customer task once its message is stored.
struct Sent {
    identifier: &'static str,
    conversation_id: String,
}

struct Clock {
    speed: f64,
}

impl Clock {
    fn virtual_secs(&self, secs: f64) -> Duration {
        Duration::from_secs_f64((secs / self.speed).max(0.0))
    }
}

/// The live loop: new customers every few (virtual) seconds, answers to agent replies.
pub async fn run(state: Arc<HubState>, demo: DemoConfig) {
    let clock = Clock {
        speed: if demo.speed > 0.0 { demo.speed } else { 1.0 },
    };
    let mut rng = fastrand::Rng::with_seed(demo.seed.wrapping_add(0x5eed));
    let mut frames = state.bus.subscribe();
    let mut stop = state.stop.clone();
    let (sent_tx, mut sent_rx) = mpsc::unbounded_channel::<Sent>();
    let mut active: HashMap<&'static str, Dialogue> = HashMap::new();
    let mut next_customer = Instant::now() + clock.virtual_secs(1.5);
    loop {
        tokio::select! {
            // Biased: a customer's own "sent" report is queued before its message frame can
            // reach anyone, so handling reports first means an agent reply always finds the
            // dialogue waiting.
            biased;
            _ = stop.changed() => return,
            Some(sent) = sent_rx.recv() => {
                if let Some(dialogue) = active.get_mut(sent.identifier) {
                    dialogue.conversation_id = Some(sent.conversation_id);
                    dialogue.waiting_since = Some(Instant::now());
                }
            }
            () = tokio::time::sleep_until(next_customer) => {
                next_customer = Instant::now() + clock.virtual_secs(rng.f64() * 8.0 + 6.0);
                expire(&mut active, &clock);
                if active.len() < MAX_ACTIVE
                    && let Some(dialogue) = new_dialogue(&state, &mut rng, &active)
                {
                    let think = clock.virtual_secs(rng.f64());
                    let typing = clock.virtual_secs(rng.f64() * 3.0 + 2.0);
                    spawn_customer_line(&state, &dialogue, think, typing, sent_tx.clone());
                    let next_turn = dialogue.next_turn + 1;
                    active.insert(dialogue.persona.identifier, Dialogue { next_turn, ..dialogue });
                }
            }
            frame = frames.recv() => match frame {
                // An agent's reply (a private note is for the team: the customer never sees it).
                Ok(ServerFrame::Message { conversation_id, message }) if message.direction == "outbound" && !message.is_note() => {
                    let driven = active
                        .values()
                        .any(|d| d.conversation_id.as_deref() == Some(conversation_id.as_str()));
                    if !driven && let Some(adopted) = adopt(&state, &conversation_id, &active) {
                        active.insert(adopted.persona.identifier, adopted);
                    }
                    let Some(dialogue) = active
                        .values_mut()
                        .find(|d| d.conversation_id.as_deref() == Some(conversation_id.as_str()))
                    else {
                        continue;
                    };
                    if dialogue.waiting_since.is_none() {
                        continue; // Already answering; one reply per customer line.
                    }
                    if dialogue.next_turn >= dialogue.script.turns.len() {
                        // The story is told and answered: the customer is done, and the
                        // conversation closes, so they can come back later with a new one.
                        let identifier = dialogue.persona.identifier;
                        active.remove(identifier);
                        let _ = ops::update_conversation(&state, &conversation_id, Some("resolved"), false, &Default::default());
                        continue;
                    }
                    // Read the reply, think, then type the next line.
                    let mut think = state.timing.read_after + clock.virtual_secs(rng.f64() * 2.0 + 1.0);
                    if state.agent_is_typing(&conversation_id) {
                        think += clock.virtual_secs(2.0);
                    }
                    let typing = clock.virtual_secs(rng.f64() * 4.0 + 2.0);
                    dialogue.waiting_since = None;
                    spawn_customer_line(&state, dialogue, think, typing, sent_tx.clone());
                    dialogue.next_turn += 1;
                }
                Ok(_) => {}
                Err(RecvError::Lagged(skipped)) => tracing::warn!(skipped, "simulator lagging"),
                Err(RecvError::Closed) => return,
            },
        }
    }
}

/// Customers who waited too long leave (their slot frees up for someone new).
fn expire(active: &mut HashMap<&'static str, Dialogue>, clock: &Clock) {
    let patience = clock.virtual_secs(PATIENCE_SECS);
    active.retain(|_, d| {
        d.waiting_since
            .is_none_or(|since| since.elapsed() < patience)
    });
}

/// The agent answered a conversation nobody drives right now (typically seeded history): if it
/// belongs to a demo persona and its last customer line comes from a script, the customer picks
/// the script up from there. Agent-driven, so it ignores [`MAX_ACTIVE`].
fn adopt(
    state: &HubState,
    conversation_id: &str,
    active: &HashMap<&'static str, Dialogue>,
) -> Option<Dialogue> {
    let conversation = state.store.conversation(conversation_id).ok()?;
    let contact = state.store.contact(&conversation.contact_id).ok()?;
    let identifier = &contact.identifiers.first()?.identifier;
    let persona = PERSONAS
        .iter()
        .find(|p| p.identifier == identifier.as_str() && p.channel == conversation.channel_type)?;
    if active.contains_key(persona.identifier) {
        return None;
    }
    let story = story_of(state, conversation_id)?;
    Some(Dialogue {
        persona: *persona,
        script: story.script,
        next_turn: story.told + 1,
        conversation_id: Some(conversation_id.to_owned()),
        waiting_since: Some(Instant::now()),
    })
}

/// How far a conversation has come in its script.
struct Story {
    script: &'static Script,
    /// The turn of the customer's last line.
    told: usize,
    /// Whether the conversation's last word is the customer's (they wait for the agent).
    waiting: bool,
}

/// The script a conversation follows, from its last customer line; `None` when that line is
/// from no script (someone else wrote in).
fn story_of(state: &HubState, conversation_id: &str) -> Option<Story> {
    let page = state
        .store
        .messages(conversation_id, &MessagePage::Tail, 20)
        .ok()?;
    let waiting = page.messages.iter().rfind(|m| !m.is_note())?.direction == "inbound";
    let last_line = page
        .messages
        .iter()
        .rev()
        .find(|m| m.direction == "inbound")?
        .content
        .text
        .clone()?;
    SCRIPTS.iter().find_map(|script| {
        let told = script.turns.iter().position(|t| t.customer == last_line)?;
        Some(Story {
            script,
            told,
            waiting,
        })
    })
}

/// What a customer may say next without breaking a story: start one (no open conversation:
/// a new one opens), or go on with theirs where the agent left it. A customer still waiting
/// for the agent, or whose story is told, says nothing new.
fn next_move(state: &HubState, persona: &Persona) -> Option<Option<(String, Story)>> {
    let open = state
        .store
        .find_open_conversation(persona.channel, persona.identifier)
        .ok()?;
    let Some(conversation_id) = open else {
        return Some(None);
    };
    let story = story_of(state, &conversation_id)?;
    (!story.waiting && story.told + 1 < story.script.turns.len())
        .then_some(Some((conversation_id, story)))
}

fn new_dialogue(
    state: &HubState,
    rng: &mut fastrand::Rng,
    active: &HashMap<&'static str, Dialogue>,
) -> Option<Dialogue> {
    let candidates: Vec<(Persona, Option<(String, Story)>)> = PERSONAS
        .iter()
        .filter(|p| !active.contains_key(p.identifier))
        .filter_map(|p| Some((*p, next_move(state, p)?)))
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let pick = rng.usize(..candidates.len());
    let (persona, continued) = candidates.into_iter().nth(pick)?;
    if let Some((conversation_id, story)) = continued {
        return Some(Dialogue {
            persona,
            script: story.script,
            next_turn: story.told + 1,
            conversation_id: Some(conversation_id),
            waiting_since: None,
        });
    }
    let busy: Vec<&str> = active.values().map(|d| d.script.topic).collect();
    let scripts: Vec<&'static Script> = scripts_for(persona.channel)
        .into_iter()
        .filter(|s| !busy.contains(&s.topic))
        .collect();
    let script = *scripts.get(rng.usize(..scripts.len().max(1)))?;
    Some(Dialogue {
        persona,
        script,
        next_turn: 0,
        conversation_id: None,
        waiting_since: None,
    })
}

/// Think, type (if the conversation exists already), then send the dialogue's next line.
fn spawn_customer_line(
    state: &Arc<HubState>,
    dialogue: &Dialogue,
    think: Duration,
    typing: Duration,
    sent: mpsc::UnboundedSender<Sent>,
) {
    let Some(turn) = dialogue.script.turns.get(dialogue.next_turn) else {
        return;
    };
    let state = Arc::clone(state);
    let persona = dialogue.persona;
    let known = dialogue.conversation_id.clone();
    let text = turn.customer;
    tokio::spawn(async move {
        let mut stop = state.stop.clone();
        if !sleep_or_stop(&mut stop, think).await {
            return;
        }
        if let Some(conversation_id) = &known {
            let _ = ops::contact_typing(&state, conversation_id, true);
        }
        if !sleep_or_stop(&mut stop, typing).await {
            return;
        }
        if let Some(conversation_id) = &known {
            let _ = ops::contact_typing(&state, conversation_id, false);
            // Resolved meanwhile: the next line of its story would open a new conversation
            // in the middle of that story.
            let resolved = state
                .store
                .conversation(conversation_id)
                .is_ok_and(|c| c.status == "resolved");
            if resolved {
                return;
            }
        }
        match ops::ingest_inbound(
            &state,
            persona.channel,
            persona.identifier,
            Some(persona.name),
            text,
        ) {
            Ok((conversation_id, _)) => {
                let _ = sent.send(Sent {
                    identifier: persona.identifier,
                    conversation_id,
                });
            }
            Err(error) => tracing::warn!(%error, "simulated inbound failed"),
        }
    });
}

#[cfg(test)]
mod tests {

    use tokio::sync::watch;

    use super::*;
    use crate::hub::events::Bus;
    use crate::hub::ops::Timing;
    use crate::hub::store::Store;

    /// Plays `seed` for half an hour of virtual time with an agent answering every customer
    /// line a few seconds later; returns each conversation's customer lines and how many of
    /// them were said live.
    async fn play(seed: u64) -> (Vec<Vec<String>>, usize) {
        let (stop, stopped) = watch::channel(false);
        let state = Arc::new(HubState {
            store: Store::open(None).expect("store"),
            bus: Bus::new(),
            api_key: String::new(),
            timing: Timing::for_speed(Some(1.0)),
            agent_typing: std::sync::Mutex::new(HashMap::new()),
            stop: stopped,
        });
        seed_history(&state, seed).expect("seeded");
        let mut frames = state.bus.subscribe();
        tokio::spawn(run(Arc::clone(&state), DemoConfig { seed, speed: 1.0 }));
        let end = Instant::now() + Duration::from_secs(30 * 60);
        // The human agent of the demo: picks up half the seeded conversations, then answers
        // each customer line.
        let seeded: Vec<String> = state
            .store
            .conversations(None, None, 100, 0)
            .expect("list")
            .0
            .into_iter()
            .map(|c| c.id)
            .collect();
        for id in seeded.iter().step_by(2) {
            let _ = ops::send_outbound(&state, id, "Picking this up now.", BTreeMap::new());
        }
        let mut live = 0;
        loop {
            tokio::select! {
                frame = frames.recv() => {
                    if let Ok(ServerFrame::Message { conversation_id, message }) = frame
                        && message.direction == "inbound"
                    {
                        live += 1;
                        let state = Arc::clone(&state);
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_secs(4)).await;
                            let _ = ops::send_outbound(&state, &conversation_id, "Let me check.", BTreeMap::new());
                        });
                    }
                }
                () = tokio::time::sleep_until(end) => break,
            }
        }
        let _ = stop.send(true);
        let (conversations, _) = state
            .store
            .conversations(None, None, 1000, 0)
            .expect("list");
        let lines = conversations
            .iter()
            .map(|c| {
                let page = state
                    .store
                    .messages(&c.id, &MessagePage::Tail, 500)
                    .expect("messages");
                page.messages
                    .iter()
                    .filter(|m| m.direction == "inbound")
                    .filter_map(|m| m.content.text.clone())
                    .collect()
            })
            .collect();
        (lines, live)
    }

    /// Whether `lines` tell one script from its start, in order (a line may repeat the last
    /// turn of a seeded history that ran past it).
    fn one_story(lines: &[String]) -> bool {
        SCRIPTS.iter().any(|script| {
            let turns: Option<Vec<usize>> = lines
                .iter()
                .map(|line| script.turns.iter().position(|t| t.customer == line))
                .collect();
            turns.is_some_and(|turns| {
                turns.first() == Some(&0) && turns.windows(2).all(|w| w[0] <= w[1])
            })
        })
    }

    #[tokio::test(start_paused = true)]
    async fn no_conversation_holds_two_stories_whatever_the_seed() {
        for seed in 0..16 {
            let (conversations, live) = play(seed).await;
            for lines in conversations.iter().filter(|lines| !lines.is_empty()) {
                assert!(
                    one_story(lines),
                    "seed {seed}: a conversation that is not one story told in order: {lines:#?}"
                );
            }
            // Customers keep coming for the whole half hour: stories end, new ones start.
            assert!(
                live >= 30,
                "seed {seed}: only {live} customer lines in half an hour"
            );
        }
    }
}
