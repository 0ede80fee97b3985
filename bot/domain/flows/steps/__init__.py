"""Step kinds: one module each. Every kind says which steps it can lead to, which variables it
sets and reads, and which texts it shows, so the checker and the extractor need no special cases."""
