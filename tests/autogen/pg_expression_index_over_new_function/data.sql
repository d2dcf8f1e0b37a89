INSERT INTO account VALUES (1, ' Ada@x ');
