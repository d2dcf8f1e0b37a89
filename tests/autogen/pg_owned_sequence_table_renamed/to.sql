CREATE SEQUENCE ticket_id_seq;
CREATE TABLE issue (id INTEGER PRIMARY KEY DEFAULT nextval('ticket_id_seq'), title TEXT);
ALTER SEQUENCE ticket_id_seq OWNED BY issue.id;
