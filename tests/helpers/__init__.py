"""What the test modules share: builders of test documents, the corpus, the real command, system programs."""
