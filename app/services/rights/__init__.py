"""A person's rights over their data (PIPL Art. 15, 45-47): a copy of everything held about
them, who among staff read it, corrections, withdrawing consent and deleting the account."""
