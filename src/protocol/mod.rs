//! Wire formats that more than one side of switchboard speaks. Linktor's SDK contract is read
//! by the Linktor provider and served by the embedded hub, so its types live here rather than
//! inside either.

pub mod linktor;
