//! 帮扶 on the web: the JSON API of a household's plan, measures received
//! (the chain), follow-up visits, the county's roster of helpers, a
//! region's measure list and department lists uploaded as batches. Every
//! decision is the application layer's (`dixian_app::assistance`); ID
//! numbers and phones are masked in every answer.

pub mod api;
