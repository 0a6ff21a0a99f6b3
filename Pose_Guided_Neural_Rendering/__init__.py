"""Stage 3: render the person for each new pose and blend it over the interpolated background."""
