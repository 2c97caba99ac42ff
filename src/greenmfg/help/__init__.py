"""Help: the glossary of the platform's terms, each with the standard it comes from."""
