"""Running notebooks: parameters, headless execution with papermill, batches and results."""
