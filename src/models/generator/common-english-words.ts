/**
 * Words the built-in vocabulary holds whole (with every prefix, which SentencePiece merges pass through), so
 * ordinary English text takes a realistic number of tokens rather than one per letter. It must keep every
 * word of the scripted model's default sentence.
 */
export const commonEnglishWords: readonly string[] = [
  "a", "about", "above", "after", "again", "against", "all", "also", "always", "am", "an", "and", "another",
  "answer", "any", "are", "around", "as", "ask", "assistant", "at", "away", "back", "be", "because", "been", "before",
  "begin", "being", "below", "best", "better", "between", "big", "book", "both", "bring", "build", "but", "by",
  "call", "came", "can", "case", "change", "chat", "check", "child", "city", "close", "code", "come", "could",
  "country", "course", "data", "day", "demo", "did", "different", "do", "does", "done", "down", "each", "early",
  "end", "enough", "error", "even", "every", "example", "eye", "face", "fact", "family", "far", "fast", "feel",
  "fetch", "few", "file", "find", "first", "follow", "food", "for", "form", "found", "free", "friend", "from",
  "full", "function", "game", "gave", "get", "give", "go", "good", "great", "group", "had", "hand", "has",
  "have", "he", "head", "hear", "hello", "help", "her", "here", "high", "him", "his", "home", "house", "how",
  "however", "idea", "if", "important", "in", "input", "into", "is", "it", "its", "just", "keep", "kind",
  "know", "language", "large", "last", "late", "later", "learn", "leave", "left", "less", "let", "life",
  "light", "like", "line", "list", "little", "live", "local", "long", "look", "made", "make", "man", "many",
  "may", "me", "mean", "might", "mind", "model", "more", "most", "move", "much", "must", "my", "name", "need",
  "never", "new", "next", "night", "no", "not", "now", "number", "of", "off", "often", "old", "on", "once",
  "one", "only", "open", "or", "order", "other", "our", "out", "output", "over", "own", "page", "part",
  "pensieve", "people", "place", "play", "point", "problem", "program", "put", "question", "read", "real",
  "really", "reply", "request", "result", "right", "room", "run", "said", "same", "saw", "say", "school",
  "see", "seem", "sentence", "server", "set", "she", "should", "show", "side", "since", "small", "so", "some",
  "something", "sometimes", "soon", "start", "state", "still", "stop", "story", "string", "such", "sure",
  "system", "take", "talk", "tell", "test", "text", "than", "thank", "thanks", "that", "the", "their", "them",
  "then", "there", "these", "they", "thing", "think", "this", "those", "thought", "three", "through", "time",
  "to", "today", "together", "token", "too", "tool", "took", "true", "try", "turn", "two", "under", "until",
  "up", "us", "use", "user", "value", "very", "want", "was", "water", "way", "we", "well", "went", "were",
  "what", "when", "where", "which", "while", "who", "why", "will", "with", "without", "word", "work", "world",
  "would", "write", "year", "yes", "yet", "you", "your",
];
