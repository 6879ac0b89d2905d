//! Static data for the demo simulator: customer personas and support dialogues. Each turn is a
//! customer line and a plausible agent answer (used only when seeding history; live answers come
//! from the human agent). Lines carry order numbers, dates, amounts, questions and requests on
//! purpose: the insight engine mines them.

/// A simulated customer: who they are and where they write from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Persona {
    pub name: &'static str,
    pub channel: &'static str,
    /// Phone (`+1555…`), `@handle` or page-scoped id, depending on the channel.
    pub identifier: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Turn {
    pub customer: &'static str,
    pub agent: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Script {
    pub topic: &'static str,
    /// Some dialogues only make sense on one channel (the USSD-like balance check on sms).
    pub channel: Option<&'static str>,
    pub turns: &'static [Turn],
}

const fn t(customer: &'static str, agent: &'static str) -> Turn {
    Turn { customer, agent }
}

pub static PERSONAS: &[Persona] = &[
    Persona {
        name: "Ada Lovelace",
        channel: "whatsapp",
        identifier: "+15550100201",
    },
    Persona {
        name: "Marcus Oyelaran",
        channel: "sms",
        identifier: "+15550100342",
    },
    Persona {
        name: "Yuki Tanaka",
        channel: "telegram",
        identifier: "@yuki_tanaka",
    },
    Persona {
        name: "Sofia Marquez",
        channel: "facebook",
        identifier: "psid_4620193857716",
    },
    Persona {
        name: "Liam O'Connor",
        channel: "instagram",
        identifier: "@liam.oconnor",
    },
    Persona {
        name: "Priya Natarajan",
        channel: "rcs",
        identifier: "+15550100587",
    },
    Persona {
        name: "Dmitri Volkov",
        channel: "viber",
        identifier: "+15550100619",
    },
    Persona {
        name: "Grace Hopper",
        channel: "whatsapp",
        identifier: "+15550100733",
    },
    Persona {
        name: "Kwame Mensah",
        channel: "sms",
        identifier: "+15550100864",
    },
    Persona {
        name: "Elena Rossi",
        channel: "telegram",
        identifier: "@elena_rossi",
    },
    Persona {
        name: "Noah Fischer",
        channel: "facebook",
        identifier: "psid_5839201746620",
    },
    Persona {
        name: "Amara Okafor",
        channel: "instagram",
        identifier: "@amara.okafor",
    },
    Persona {
        name: "Hiro Nakamura",
        channel: "rcs",
        identifier: "+15550100912",
    },
    Persona {
        name: "Chloe Dubois",
        channel: "whatsapp",
        identifier: "+15550101045",
    },
    Persona {
        name: "Mateo Silva",
        channel: "viber",
        identifier: "+15550101178",
    },
    Persona {
        name: "Fatima Zahra",
        channel: "sms",
        identifier: "+15550101236",
    },
];

pub static SCRIPTS: &[Script] = &[
    Script {
        topic: "order tracking",
        channel: None,
        turns: &[
            t(
                "Hi, where is my order #A10482? It was supposed to arrive yesterday.",
                "Sorry about that! Let me check #A10482 for you.",
            ),
            t(
                "Thanks. The tracking page still says 'label created' since March 3.",
                "The carrier scanned it this morning; it's at the Newark depot now.",
            ),
            t(
                "So when will it actually get here?",
                "It's scheduled for delivery on Thursday, March 7, before 6 pm.",
            ),
            t(
                "Can you send me the new tracking number please?",
                "Sure: 1Z999AA10123456784.",
            ),
            t("Perfect, thank you!", "You're welcome, have a great day!"),
        ],
    },
    Script {
        topic: "refund request",
        channel: None,
        turns: &[
            t(
                "Hello, I returned the headphones from order #B20931 two weeks ago and still no refund.",
                "Hi! I can see the return arrived on the 12th. Let me look into the refund.",
            ),
            t(
                "It was $149.99. How long does it usually take?",
                "Refunds take 5 to 7 business days after inspection.",
            ),
            t(
                "It's been 14 days already. Can you escalate it?",
                "I've escalated it to our billing team with priority.",
            ),
            t(
                "Please email me the confirmation.",
                "Done, you'll get a confirmation email within the hour.",
            ),
        ],
    },
    Script {
        topic: "delivery address change",
        channel: None,
        turns: &[
            t(
                "Hi! I need to change the delivery address for order #C33017.",
                "Of course, what's the new address?",
            ),
            t(
                "42 Wallaby Way, Apt 3B, Springfield, 62704",
                "Got it. The order hasn't shipped, so I can update it.",
            ),
            t(
                "Great. Will it still arrive by Friday?",
                "Yes, the estimate stays Friday, June 14.",
            ),
            t(
                "Could you also add 'leave with the concierge' to the delivery notes?",
                "Added. Anything else?",
            ),
            t("No, that's all, thanks!", "Happy to help!"),
        ],
    },
    Script {
        topic: "password reset",
        channel: None,
        turns: &[
            t(
                "I can't log in, the password reset email never arrives.",
                "Sorry to hear that. Which email is on the account?",
            ),
            t(
                "The one on my invoices: billing@example.org",
                "I've triggered a new reset link; it expires in 30 minutes.",
            ),
            t(
                "Still nothing. Could it be in spam?",
                "Possibly: please check spam for noreply@switchboard.example.",
            ),
            t(
                "Found it! But it says the link expired?",
                "I'll send a fresh one now, please use it right away.",
            ),
            t(
                "That worked, I'm in. Thanks!",
                "Great, glad you're back in!",
            ),
        ],
    },
    Script {
        topic: "appointment booking",
        channel: None,
        turns: &[
            t(
                "Hi, can I book an appointment for a screen repair?",
                "Sure! Which store and which day works for you?",
            ),
            t(
                "Downtown store, next Tuesday if possible.",
                "We have 10:30 am or 2:15 pm on Tuesday, May 21.",
            ),
            t(
                "2:15 pm please. How long will it take?",
                "About 90 minutes. Booked you for 2:15 pm.",
            ),
            t(
                "Can you send me a reminder the day before?",
                "Yes, you'll get a reminder on Monday at 9 am.",
            ),
            t(
                "What's the price for an iPhone 13 screen?",
                "It's $229, including a 6-month warranty.",
            ),
        ],
    },
    Script {
        topic: "invoice question",
        channel: None,
        turns: &[
            t(
                "Hello, invoice INV-2024-0417 shows $480 but our plan is $400/month.",
                "Let me take a look at INV-2024-0417.",
            ),
            t(
                "Why is there an extra $80?",
                "It's the overage for 1,600 extra messages in April.",
            ),
            t(
                "We were never told about overage pricing. Can you waive it this once?",
                "I've applied an $80 credit to your next invoice.",
            ),
            t(
                "Thanks. Can you resend the corrected invoice to billing@acme.example?",
                "Sent just now.",
            ),
        ],
    },
    Script {
        topic: "broken product",
        channel: None,
        turns: &[
            t(
                "My blender arrived with a cracked jar. Order #D55120.",
                "I'm so sorry! Could you send a photo of the damage?",
            ),
            t(
                "Sent it by email. What now?",
                "Thanks, I can see it. We'll ship a replacement jar free of charge.",
            ),
            t(
                "Do I need to return the broken one?",
                "No need, please dispose of it safely.",
            ),
            t(
                "When will the replacement ship?",
                "It ships tomorrow, expected by Monday the 18th.",
            ),
            t(
                "OK thanks, please make sure it's packed better this time!",
                "I've added a note to the warehouse.",
            ),
        ],
    },
    Script {
        topic: "subscription cancel",
        channel: None,
        turns: &[
            t(
                "I want to cancel my subscription please.",
                "Sorry to see you go. May I ask why you're cancelling?",
            ),
            t(
                "Too expensive. $29.99 a month is a lot for what I use.",
                "I can offer 50% off for 3 months if you'd like to stay.",
            ),
            t(
                "Hmm, no thanks. Please cancel before the renewal on the 1st.",
                "Understood. Cancelled effective July 1.",
            ),
            t(
                "Will I be charged anything else?",
                "No further charges. You keep access until June 30.",
            ),
        ],
    },
    Script {
        topic: "pricing question",
        channel: None,
        turns: &[
            t(
                "Hi, what's the difference between the Basic and Pro plans?",
                "Basic is $12/month for 1 user; Pro is $39/month for up to 5 users with analytics.",
            ),
            t(
                "Is there a discount if we pay yearly?",
                "Yes, yearly billing gives two months free.",
            ),
            t(
                "Can we try Pro before buying?",
                "Sure, I can start a 14-day Pro trial today.",
            ),
            t(
                "Please do. Our team email is team@lumen.example",
                "Trial started; the invite is on its way.",
            ),
        ],
    },
    Script {
        topic: "balance check",
        channel: Some("sms"),
        turns: &[
            t("BAL", "Your balance is $12.40. Reply TOPUP to add credit."),
            t(
                "TOPUP 20",
                "Top-up of $20.00 requested. Reply YES to confirm with card ending 4821.",
            ),
            t("YES", "Done. New balance: $32.40. Valid until 2026-09-30."),
            t(
                "BUNDLES",
                "1) 1GB $5 2) 5GB $15 3) Unlimited day $3. Reply with a number.",
            ),
            t(
                "2",
                "5GB bundle activated for $15.00. Remaining balance: $17.40.",
            ),
        ],
    },
    Script {
        topic: "wrong item",
        channel: None,
        turns: &[
            t(
                "I ordered a blue jacket size M (#E70314) but got a red one in L.",
                "Apologies for the mix-up! I'll arrange an exchange.",
            ),
            t(
                "Do I have to pay for return shipping?",
                "No, I'll email you a prepaid return label.",
            ),
            t(
                "Can you ship the right one before I send this back? I need it by Saturday.",
                "Yes, I'll ship the blue M today with express delivery.",
            ),
            t("Thank you, that's really helpful.", "My pleasure!"),
        ],
    },
    Script {
        topic: "reservation change",
        channel: None,
        turns: &[
            t(
                "Hi, I have a table for 4 on Friday at 7 pm under Rossi. Can we make it 6 people?",
                "Let me check availability for 6 on Friday.",
            ),
            t(
                "If 7 pm doesn't work, 8 pm is fine too.",
                "7 pm works, I've updated it to 6 guests.",
            ),
            t(
                "Great! One guest is vegan, is that OK?",
                "Absolutely, we have a full vegan menu.",
            ),
            t(
                "Can we also get a table by the window?",
                "Noted, I've requested a window table for you.",
            ),
        ],
    },
    Script {
        topic: "payment failed",
        channel: None,
        turns: &[
            t(
                "My card payment of $64.50 keeps failing at checkout. What's wrong?",
                "Sorry about that. Do you see an error code?",
            ),
            t(
                "It says error 402 - card declined. But my bank says it's fine.",
                "That code comes from the issuer's 3-D Secure check. Could you try again now?",
            ),
            t(
                "Same error. Can I pay with PayPal instead?",
                "Yes, PayPal is available on the payment step.",
            ),
            t(
                "That worked. Can you confirm order #F81207 went through?",
                "Confirmed, #F81207 is paid and processing.",
            ),
        ],
    },
    Script {
        topic: "warranty claim",
        channel: None,
        turns: &[
            t(
                "My vacuum stopped charging after 8 months. Is it still under warranty?",
                "Yes, it has a 2-year warranty. What's the serial number?",
            ),
            t(
                "SN VX-448-2291",
                "Thanks. I've opened claim WC-30917 for you.",
            ),
            t(
                "What happens next?",
                "We'll send a courier to pick it up on Wednesday between 9 and 12.",
            ),
            t(
                "Can you make it Thursday instead?",
                "Rescheduled to Thursday, same time window.",
            ),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_enough_variety() {
        assert!(SCRIPTS.len() >= 12);
        assert!(SCRIPTS.iter().all(|s| s.turns.len() >= 4));
        let mut channels: Vec<_> = PERSONAS.iter().map(|p| p.channel).collect();
        channels.sort_unstable();
        channels.dedup();
        assert!(channels.len() >= 6);
    }
}
