print("tsvault")
