"""Regular expressions built from word lists."""

import re


def longest_match_pattern(words) -> str:
    """A regular expression matching any of ``words``, the longest one where several
    start at the same place: the words as a trie of nested groups, each optional
    continuation greedy (好 | 好几 | 好不容易 → 好(?:几|不容易)?)."""
    trie: dict = {}
    for word in words:
        node = trie
        for character in word:
            node = node.setdefault(character, {})
        node[""] = {}

    def rest(node: dict) -> str:
        branches = [re.escape(character) + rest(child)
                    for character, child in sorted(node.items()) if character]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return "(?:" + "|".join(re.escape(character) + rest(child)
                            for character, child in sorted(trie.items())) + ")"
