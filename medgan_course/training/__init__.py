"""medgan_course.training (see docs/ARCHITECTURE.md)."""
