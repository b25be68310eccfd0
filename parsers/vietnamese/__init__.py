"""Vietnamese specifics: the administrative document layout, legacy TCVN3/VNI fonts, date lines."""
