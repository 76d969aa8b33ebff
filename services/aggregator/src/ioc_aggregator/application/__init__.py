"""The use case: a batch screened, stored and announced, through its ports only."""
