//! The insight pane's tabs. The engine that fills them lands with the insights work; the pane,
//! its tabs and their keys exist from the start so the layout does not move later.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InsightTab {
    #[default]
    ActionItems,
    Questions,
    FollowUps,
    Topics,
    Entities,
    Trackers,
    Analytics,
}

impl InsightTab {
    pub const ALL: [InsightTab; 7] = [
        InsightTab::ActionItems,
        InsightTab::Questions,
        InsightTab::FollowUps,
        InsightTab::Topics,
        InsightTab::Entities,
        InsightTab::Trackers,
        InsightTab::Analytics,
    ];

    pub fn label(self) -> &'static str {
        match self {
            InsightTab::ActionItems => "Actions",
            InsightTab::Questions => "Questions",
            InsightTab::FollowUps => "Follow-ups",
            InsightTab::Topics => "Topics",
            InsightTab::Entities => "Entities",
            InsightTab::Trackers => "Trackers",
            InsightTab::Analytics => "Analytics",
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn next(self) -> Self {
        Self::ALL[(self.index() + 1) % Self::ALL.len()]
    }

    pub fn prev(self) -> Self {
        Self::ALL[(self.index() + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}
